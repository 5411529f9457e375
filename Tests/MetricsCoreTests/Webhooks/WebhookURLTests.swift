import MetricsCore
import Testing

@Suite struct WebhookURLTests {
    @Test(arguments: [
        "http://127.0.0.1:8080/hooks", "https://hooks.example.com", "HTTPS://Example.com/a?b=c", "http://[::1]:9000/x",
        "https://example.com:443/", "http://localhost/",
    ])
    func httpAndHttpsWithAHostAreAccepted(url: String) {
        #expect(WebhookURL.problem(with: url) == nil)
    }

    @Test(arguments: [
        ("ftp://example.com/", "must start with http:// or https://"),
        ("example.com/hooks", "must start with http:// or https://"),
        ("http:///path", "must name a host"),
        ("https://", "must name a host"),
        ("http://:80/", "must name a host"),
        ("http://user:pass@example.com/", "must not carry credentials (sign with the secret instead)"),
        ("http://example.com/a b", "must not contain spaces or control characters"),
        ("http://example.com/#frag", "must not have a fragment"),
        ("http://example.com:0/", "has an invalid port"),
        ("http://example.com:99999/", "has an invalid port"),
        ("http://example.com:port/", "has an invalid port"),
        ("http://[::1/", "has an unterminated IPv6 host"),
    ])
    func othersAreRefusedSayingWhy(url: String, problem: String) {
        #expect(WebhookURL.problem(with: url) == problem)
    }

    @Test func aLongURLIsRefused() {
        #expect(WebhookURL.problem(with: "https://example.com/" + String(repeating: "a", count: 2048)) == "at most 2048 bytes")
    }
}
