import MetricsCore

/// The ids of published posts: shaped like each platform's own, apart from the seed generator's (`179…`,
/// `{page}_10…`, `7…`), and naming their account and index, so a lookup rebuilds a post from its id alone.
///
/// - Instagram: `18` + the account's ordinal (7 digits) + the index (8)
/// - Facebook: `{page-id}_20` + the index (13)
/// - TikTok: `8` + the account's ordinal (6 digits) + the index (12)
enum PublishedPostID {
    enum Owner: Hashable {
        /// The account's ordinal: the order in which the simulator first saw it, from 1.
        case ordinal(Int)
        case page(String)
    }

    /// nil when the ordinal or the index does not fit its digits (such an account does not publish).
    static func make(platform: Platform, accountID: String, ordinal: Int, index: Int64) -> String? {
        guard index >= 1, ordinal >= 1 else { return nil }
        switch platform {
        case .instagram:
            guard ordinal < 10_000_000, index < 100_000_000 else { return nil }
            return "18" + SeedGenerator.pad(ordinal, 7) + pad(index, 8)
        case .facebook:
            guard index < 10_000_000_000_000 else { return nil }
            return accountID + "_20" + pad(index, 13)
        case .tiktok:
            guard ordinal < 1_000_000, index < 1_000_000_000_000 else { return nil }
            return "8" + SeedGenerator.pad(ordinal, 6) + pad(index, 12)
        }
    }

    /// Whose post `id` would be and which; the caller checks with `make` that the account's platform gives it.
    static func parse(_ id: String) -> (owner: Owner, index: Int64)? {
        if let underscore = id.lastIndex(of: "_") {
            let suffix = id[id.index(after: underscore)...]
            guard suffix.count == 15, suffix.hasPrefix("20"), let index = Int64(suffix.dropFirst(2)) else { return nil }
            return (.page(String(id[..<underscore])), index)
        }
        guard id.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        let digits = Array(id.utf8)
        func number(_ range: Range<Int>) -> Int64? { Int64(String(decoding: digits[range], as: UTF8.self)) }
        if digits.count == 17, id.hasPrefix("18"), let ordinal = number(2..<9), let index = number(9..<17) {
            return (.ordinal(Int(ordinal)), index)
        }
        if digits.count == 19, id.hasPrefix("8"), let ordinal = number(1..<7), let index = number(7..<19) {
            return (.ordinal(Int(ordinal)), index)
        }
        return nil
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
