/// The decoded `name=value` pairs of a query string or of a form-urlencoded body.
///
/// Graph API requests carry everything in the query (`metric=`, `fields=`, `access_token=`), and TikTok's token
/// endpoint takes a form body, so one small decoder serves both; repeated names keep the first value, as Graph does.
struct URLQuery: Sendable {
    private(set) var pairs: [(name: String, value: String)] = []

    init() {}

    init(_ text: Substring) {
        guard !text.isEmpty else { return }
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            if let equals = part.firstIndex(of: "=") {
                pairs.append((Self.decode(part[..<equals]), Self.decode(part[part.index(after: equals)...])))
            } else {
                pairs.append((Self.decode(part), ""))
            }
        }
    }

    subscript(name: String) -> String? {
        for pair in pairs where pair.name == name { return pair.value }
        return nil
    }

    /// Percent-decoding with `+` as space; an invalid escape is kept literally rather than rejected.
    static func decode(_ text: Substring) -> String {
        let utf8 = text.utf8
        guard utf8.contains(UInt8(ascii: "%")) || utf8.contains(UInt8(ascii: "+")) else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"),
                      let first = utf8.index(index, offsetBy: 1, limitedBy: utf8.endIndex), first != utf8.endIndex,
                      let second = utf8.index(first, offsetBy: 1, limitedBy: utf8.endIndex), second != utf8.endIndex,
                      let high = hexValue(utf8[first]), let low = hexValue(utf8[second]) {
                bytes.append(high << 4 | low)
                index = second
            } else {
                bytes.append(byte)
            }
            index = utf8.index(after: index)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
