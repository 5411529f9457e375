/// A JSON value as it travelled on the wire.
///
/// metricsd keeps its own value type rather than `JSONSerialization`'s `Any` because JSON-RPC asks for ids to
/// be echoed exactly: a number keeps the literal text it arrived as (`1.0`, `12345678901234567890`), so the
/// reply carries the same bytes back. Objects keep their member order, which keeps replies readable.
public enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSON])
    case object(JSONObject)

    public static func int(_ value: some BinaryInteger) -> JSON {
        .number(JSONNumber(value))
    }

    /// `.null` for nil, so optional fields write `null` rather than vanish: the wire says "not reported".
    public static func int(_ value: (some BinaryInteger)?) -> JSON {
        value.map { .number(JSONNumber($0)) } ?? .null
    }

    public static func string(_ value: String?) -> JSON {
        value.map(JSON.string) ?? .null
    }

    public var isNull: Bool {
        if case .null = self { true } else { false }
    }

    /// What a field holds, in the words an error message uses ("expected a string, got a number").
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    public subscript(key: String) -> JSON? {
        if case .object(let object) = self { object[key] } else { nil }
    }
}

/// A JSON number kept as its literal text; converted only when a caller asks for a value.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    public let literal: String

    /// The literal must already be valid JSON number syntax; the parser guarantees it.
    init(literal: String) {
        self.literal = literal
    }

    public init(_ value: some BinaryInteger) {
        literal = String(value)
    }

    /// Non-finite values have no JSON spelling; callers write `null` for them instead.
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        if value == value.rounded(), abs(value) < 1e15 {
            literal = String(Int64(value))
        } else {
            literal = String(value)
        }
    }

    /// The value as an exact integer: `3`, `3.0`, `3e0` and `30e-1` all qualify; `3.5` and values outside
    /// Int64 do not. Read from the literal's digits, not through a Double, which would take
    /// `9007199254740993.0` for ...992 and `-9223372036854775809` for Int64.min.
    public var int64: Int64? {
        Int64(literal) ?? Self.exactInteger(literal)
    }

    /// `-?digits(.digits)?([eE][+-]?digits)?`, as the parser guarantees, shifted by its exponent.
    private static func exactInteger(_ literal: String) -> Int64? {
        var text = Substring(literal)
        let negative = text.hasPrefix("-")
        if negative { text = text.dropFirst() }
        var exponentText: Substring = "0"
        if let marker = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponentText = text[text.index(after: marker)...]
            text = text[..<marker]
        }
        var digits = text
        var fractionCount = 0
        if let dot = text.firstIndex(of: ".") {
            fractionCount = text.distance(from: text.index(after: dot), to: text.endIndex)
            digits = text[..<dot] + text[text.index(after: dot)...]
        }
        var significant = digits.drop { $0 == "0" }
        if significant.isEmpty { return 0 }
        // An exponent this large moves any non-zero digit out of Int64's range, or into a fraction.
        guard let exponent = Int(exponentText), (-(1 << 40)...(1 << 40)).contains(exponent) else { return nil }
        var shift = exponent - fractionCount
        while shift < 0, significant.last == "0" {
            significant = significant.dropLast()
            shift += 1
        }
        guard shift >= 0, significant.count + shift <= 19 else { return nil }
        return Int64((negative ? "-" : "") + significant + String(repeating: "0", count: shift))
    }

    public var double: Double? { Double(literal) }

    public var description: String { literal }
}

/// A JSON object: members in wire order. Look-ups scan, which beats hashing for the handful of keys an
/// RPC object has; a duplicated key resolves to its last occurrence, as most parsers do.
public struct JSONObject: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public struct Member: Sendable, Equatable {
        public var key: String
        public var value: JSON

        public init(key: String, value: JSON) {
            self.key = key
            self.value = value
        }
    }

    public private(set) var members: [Member]

    public init() {
        members = []
    }

    public init(dictionaryLiteral elements: (String, JSON)...) {
        members = elements.map { Member(key: $0.0, value: $0.1) }
    }

    public init(members: [Member]) {
        self.members = members
    }

    public var count: Int { members.count }
    public var keys: [String] { members.map(\.key) }

    public subscript(key: String) -> JSON? {
        get {
            for member in members.reversed() where member.key == key {
                return member.value
            }
            return nil
        }
        set {
            if let index = members.lastIndex(where: { $0.key == key }) {
                if let newValue {
                    members[index].value = newValue
                } else {
                    members.removeAll { $0.key == key }
                }
            } else if let newValue {
                members.append(Member(key: key, value: newValue))
            }
        }
    }

    /// Appends without looking for an existing key: for building replies whose keys are known distinct.
    public mutating func append(_ key: String, _ value: JSON) {
        members.append(Member(key: key, value: value))
    }

    public func makeIterator() -> IndexingIterator<[Member]> {
        members.makeIterator()
    }

    /// Key order does not matter for equality, as in JSON itself.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        return lhs.members.allSatisfy { rhs[$0.key] == $0.value }
    }
}
