import JSON
import JSONRPC
import MetricsCore

/// The rules between a method's params that JSON Schema cannot state, read from the method's OpenRPC
/// specification extensions; Schemas/openrpc.json's info.description defines them for clients:
///
/// - `x-params-exclusive: [[names]]`: params of two different groups are never given together;
/// - `x-params-one-required: [[names]]`: from each group, at least one param is given;
/// - `x-params-ordered: [[names]]`: the given params of each list, in list order, never decrease (date-times
///   as moments, numbers as values);
/// - `x-params-max-span-days: [{params: [from, to], days: N}]`: when both date-times are given, `to` is at most
///   N days after `from`.
///
/// A param is given when it is present and not null, by name or by position: null is the same as omitted.
struct ParamRules: Sendable, Equatable {
    static let extensions = ["x-params-exclusive", "x-params-one-required", "x-params-ordered", "x-params-max-span-days"]

    struct Span: Sendable, Equatable {
        var from: String
        var to: String
        var days: Int64
    }

    var exclusive: [[String]] = []
    var oneRequired: [[String]] = []
    var ordered: [[String]] = []
    var spans: [Span] = []

    /// Reads the extensions of one method object; a malformed one is a document error, not a silent no-rule.
    init(method: JSON, name: String) throws {
        func groups(_ key: String) throws -> [[String]] {
            guard let value = method[key] else { return [] }
            guard case .array(let entries) = value else { throw SchemaDocumentError("\(name).\(key): expected an array of arrays of param names") }
            return try entries.map { entry in
                guard case .array(let names) = entry, !names.isEmpty else {
                    throw SchemaDocumentError("\(name).\(key): each entry must be a non-empty array of param names")
                }
                return try names.map { element in
                    guard case .string(let text) = element else { throw SchemaDocumentError("\(name).\(key): param names are strings") }
                    return text
                }
            }
        }
        exclusive = try groups("x-params-exclusive")
        oneRequired = try groups("x-params-one-required")
        ordered = try groups("x-params-ordered")
        if let value = method["x-params-max-span-days"] {
            guard case .array(let entries) = value else { throw SchemaDocumentError("\(name).x-params-max-span-days: expected an array") }
            spans = try entries.map { entry in
                guard case .array(let names)? = entry["params"], names.count == 2, case .string(let from) = names[0],
                      case .string(let to) = names[1], case .number(let days)? = entry["days"], let count = days.int64
                else { throw SchemaDocumentError("\(name).x-params-max-span-days: each entry is {params: [from, to], days: N}") }
                return Span(from: from, to: to, days: count)
            }
        }
    }

    init(exclusive: [[String]] = [], oneRequired: [[String]] = [], ordered: [[String]] = []) {
        self.exclusive = exclusive
        self.oneRequired = oneRequired
        self.ordered = ordered
    }

    var isEmpty: Bool { exclusive.isEmpty && oneRequired.isEmpty && ordered.isEmpty && spans.isEmpty }

    /// Every param name the rules mention.
    var names: [String] { (exclusive + oneRequired + ordered).flatMap { $0 } + spans.flatMap { [$0.from, $0.to] } }

    /// Violations by the params actually given (`given` holds each param's value, null included).
    func violations(given: [String: JSON], validator: SchemaValidator) -> [String] {
        let present = given.filter { !$0.value.isNull }
        var found: [String] = []
        let groupsUsed = exclusive.filter { group in group.contains { present[$0] != nil } }
        if groupsUsed.count > 1 {
            let names = groupsUsed.map { group in group.filter { present[$0] != nil }.joined(separator: ", ") }
            found.append("params: \(names.joined(separator: " and ")) exclude each other (x-params-exclusive)")
        }
        for group in oneRequired where !group.contains(where: { present[$0] != nil }) {
            found.append("params: one of \(group.joined(separator: ", ")) is required (x-params-one-required)")
        }
        for list in ordered {
            let values = list.compactMap { name in present[name].map { (name, $0) } }
            for (earlier, later) in zip(values, values.dropFirst()) {
                guard let order = validator.order(earlier.1, later.1) else {
                    found.append("params: \(earlier.0) and \(later.0) cannot be compared (x-params-ordered)")
                    continue
                }
                if order > 0 { found.append("params.\(later.0): before \(earlier.0) (x-params-ordered)") }
            }
        }
        for span in spans {
            guard case .string(let fromText)? = present[span.from], case .string(let toText)? = present[span.to],
                  let from = Timestamp(iso8601: fromText), let to = Timestamp(iso8601: toText)
            else { continue }
            if to.milliseconds(since: from) > span.days * 86_400_000 {
                found.append("params.\(span.to): more than \(span.days) days after \(span.from) (x-params-max-span-days)")
            }
        }
        return found
    }
}
