/// The Graph API's JSON shapes the clients read, as `Decodable` values: insights, paging, errors.
struct GraphErrorEnvelope: Decodable {
    struct Body: Decodable {
        var message: String?
        var type: String?
        var code: Int?
        var error_subcode: Int?
        var is_transient: Bool?
        var fbtrace_id: String?
    }
    var error: Body
}

struct GraphInsightsBody: Decodable {
    var data: [GraphInsight]
}

struct GraphInsight: Decodable {
    struct Value: Decodable {
        var value: InsightValue?
    }
    var name: String
    var period: String?
    var values: [Value]?
    /// Newer API versions also send `total_value: {"value": N}` for some metrics.
    var total_value: Value?

    var firstValue: InsightValue? {
        values?.first?.value ?? total_value?.value
    }
}

/// An insights value: a count, a fraction (average watch time on some versions), or a breakdown by type
/// (`post_reactions_by_type_total`).
enum InsightValue: Decodable, Hashable {
    case int(Int64)
    case double(Double)
    case breakdown([String: Int64])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let int = try? container.decode(Int64.self) {
            self = .int(int)
        } else if let double = try? container.decode(Double.self) {
            self = .double(double)
        } else {
            self = .breakdown(try container.decode([String: Int64].self))
        }
    }

    var count: Int64? {
        switch self {
        case .int(let value): value
        case .double(let value): Int64(value.rounded())
        case .breakdown(let parts): parts.values.reduce(0, +)
        }
    }
}

struct GraphPaging: Decodable {
    struct Cursors: Decodable {
        var before: String?
        var after: String?
    }
    var cursors: Cursors?
    var next: String?
}
