/// Which URLs a webhook endpoint may have: `http` or `https`, with a host, no credentials, no fragment, no
/// whitespace. Checked by hand rather than by Foundation's `URL`, which accepts far more (relative references,
/// `mailto:`), so the rule is exactly this one and tested as such.
public enum WebhookURL {
    public static let maximumLength = 2048

    /// Why `text` cannot be an endpoint's URL, or nil when it can.
    public static func problem(with text: String) -> String? {
        if text.utf8.count > maximumLength { return "at most \(maximumLength) bytes" }
        if text.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) { return "must not contain spaces or control characters" }
        let lowered = text.lowercased()
        let rest: Substring
        if lowered.hasPrefix("https://") {
            rest = text.dropFirst("https://".count)
        } else if lowered.hasPrefix("http://") {
            rest = text.dropFirst("http://".count)
        } else {
            return "must start with http:// or https://"
        }
        if text.contains("#") { return "must not have a fragment" }
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        if authority.contains("@") { return "must not carry credentials (sign with the secret instead)" }
        var host = Substring(authority)
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]"), close > host.index(after: host.startIndex) else {
                return "has an unterminated IPv6 host"
            }
            let port = host[host.index(after: close)...]
            if !port.isEmpty, let problem = portProblem(port) { return problem }
            return nil
        }
        if let colon = host.lastIndex(of: ":") {
            if let problem = portProblem(host[colon...]) { return problem }
            host = host[..<colon]
        }
        if host.isEmpty { return "must name a host" }
        return nil
    }

    /// `:PORT`, 1…65535.
    private static func portProblem(_ text: Substring) -> String? {
        guard text.first == ":", let port = Int(text.dropFirst()), (1...65535).contains(port) else {
            return "has an invalid port"
        }
        return nil
    }
}
