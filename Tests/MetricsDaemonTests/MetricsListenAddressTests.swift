import MetricsDaemon
import Testing

@Suite struct MetricsListenAddressTests {
    @Test func aPortAloneIsLoopback() throws {
        #expect(try MetricsListenAddress.parse("9464") == MetricsListenAddress(host: "127.0.0.1", port: 9464))
        #expect(try MetricsListenAddress.parse("0") == MetricsListenAddress(host: "127.0.0.1", port: 0))
    }

    @Test func anAddressIsTakenAsWritten() throws {
        #expect(try MetricsListenAddress.parse("0.0.0.0:9464") == MetricsListenAddress(host: "0.0.0.0", port: 9464))
        #expect(try MetricsListenAddress.parse("localhost:80") == MetricsListenAddress(host: "localhost", port: 80))
        #expect(try MetricsListenAddress.parse("[::1]:9464") == MetricsListenAddress(host: "::1", port: 9464))
        #expect(try MetricsListenAddress.parse("[::1]:9464").description == "[::1]:9464")
        #expect(try MetricsListenAddress.parse("10.0.0.5:9464").description == "10.0.0.5:9464")
    }

    @Test(arguments: ["", "x", "-1", "65536", "127.0.0.1:", ":9464", "1.2.3.4:5:6", "[::1]9464", "[]:80", "[::1]:x", "٩٤٦٤"])
    func anythingElseIsRefusedNamingTheFlag(_ text: String) {
        #expect {
            try MetricsListenAddress.parse(text)
        } throws: { error in
            (error as? MetricsListenAddress.Problem)?.description.hasPrefix("--metrics-listen") == true
        }
    }
}
