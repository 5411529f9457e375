import JSON
import JSONRPC
import MetricsCore

/// Params a client could send, drawn from nothing but a method's param schemas in Schemas/openrpc.json and its
/// x-params rules: values inside every declared bound and often on it (the minimum and the maximum,
/// maxLength-long strings, empty arrays where allowed, code points beyond the BMP and control characters,
/// leap days and far offsets), by name or by position, with null now and then for an optional param, which
/// the document says is the same as leaving it out.
///
/// Every scalar and every oneOf choice is checked against its schema as it is made (a pattern or a oneOf is
/// met by drawing again), and the test checks the whole params once more, so what is sent is what the document
/// allows: a daemon that refuses it with -32602 disagrees with its own schema. `known` mixes in values a test registered, by param or property name (`workspaceId`, `postId`…),
/// half the time, so calls also reach stored rows instead of only answering -32001.
struct ParamsGenerator {
    let schema: OpenRPCSchema
    var random: SeededRandom
    var known: [String: [JSON]]
    /// An array drawn at a maxItems above `largeArray` makes a request of megabytes; one a run shows the edge.
    var largeArraysLeft = 1

    static let largeArray = 64

    init(schema: OpenRPCSchema, seed: UInt64, known: [String: [JSON]]) {
        self.schema = schema
        self.random = SeededRandom(seed: seed)
        self.known = known
    }

    private var validator: SchemaValidator { schema.validator }

    // MARK: Params

    /// nil (no params), an object or an array.
    mutating func params(for methodName: String) -> JSON? {
        guard let method = schema.method(named: methodName) else { return nil }
        let rules = method.rules
        // One group of each x-params-exclusive set may be given; the others' params stay out (or null).
        var excluded: Set<String> = []
        if !rules.exclusive.isEmpty {
            let chosen = random.below(rules.exclusive.count)
            for (index, group) in rules.exclusive.enumerated() where index != chosen {
                excluded.formUnion(group)
            }
        }
        var values: [String: JSON] = [:]
        for param in method.params {
            if param.required {
                values[param.name] = nonNullValue(param.schema, name: param.name)
            } else if !excluded.contains(param.name), random.oneIn(2) {
                values[param.name] = value(param.schema, name: param.name)
            }
        }
        for group in rules.oneRequired where !group.contains(where: { values[$0].map { !$0.isNull } ?? false }) {
            let candidates = method.params.filter { group.contains($0.name) && !excluded.contains($0.name) }
            guard !candidates.isEmpty else { continue }
            let param = random.pick(candidates)
            values[param.name] = nonNullValue(param.schema, name: param.name)
        }
        for list in rules.ordered {
            let names = list.filter { values[$0].map { !$0.isNull } ?? false }
            let sorted = names.compactMap { values[$0] }.sorted { (validator.order($0, $1) ?? 0) < 0 }
            for (name, value) in zip(names, sorted) {
                values[name] = value
            }
        }
        for span in rules.spans {
            guard case .string(let fromText)? = values[span.from], case .string(let toText)? = values[span.to],
                  let from = Timestamp(iso8601: fromText), let to = Timestamp(iso8601: toText),
                  to.milliseconds(since: from) > span.days * 86_400_000
            else { continue }
            // Too far apart: `to` within the span instead, at whole seconds (what the timestamp pattern allows).
            let within = Int64(random.below(Int(span.days * 86_400))) * 1000
            values[span.to] = .string(from.adding(milliseconds: within - from.milliseconds % 1000).iso8601)
        }
        return shape(values, of: method)
    }

    private mutating func shape(_ values: [String: JSON], of method: OpenRPCSchema.Method) -> JSON? {
        if values.isEmpty, random.oneIn(3) {
            return nil
        }
        let nullable = method.params.map { validator.validate(.null, against: $0.schema, at: "").isEmpty }
        if random.oneIn(2) {
            // By position: up to the last param given, null for one left out before it.
            let last = method.params.lastIndex { values[$0.name] != nil } ?? -1
            var positional: [JSON] = []
            for (index, param) in method.params.enumerated() where index <= last {
                if let value = values[param.name] {
                    positional.append(value)
                } else if nullable[index] {
                    positional.append(.null)
                } else {
                    break
                }
            }
            if positional.count == last + 1 {
                return .array(positional)
            }
        }
        var object = JSONObject()
        for index in shuffled(Array(method.params.indices)) {
            let param = method.params[index]
            if let value = values[param.name] {
                object.append(param.name, value)
            } else if nullable[index], random.oneIn(4) {
                object.append(param.name, .null)
            }
        }
        return .object(object)
    }

    private mutating func shuffled<Element>(_ elements: [Element]) -> [Element] {
        var elements = elements
        for index in elements.indices.reversed() where index > 0 {
            elements.swapAt(index, random.below(index + 1))
        }
        return elements
    }

    // MARK: Values

    /// A value valid for `schema`, drawn again until it is (a oneOf matched twice, a pattern missed).
    /// Objects and arrays are built of members checked as they were drawn, so they are not checked again here
    /// (arrays of 10,000 objects would be, at every level): the test checks the whole params once.
    mutating func value(_ schema: JSON, name: String?, depth: Int = 0) -> JSON {
        var candidate = JSON.null
        let checked = needsCheck(schema)
        for _ in 0..<64 {
            candidate = draw(schema, name: name, depth: depth)
            if !checked || validator.validate(candidate, against: schema, at: "").isEmpty { return candidate }
        }
        return candidate  // still invalid: the caller's check of the whole params reports it as the generator's fault
    }

    private func needsCheck(_ schema: JSON) -> Bool {
        let schema = validator.dereference(schema)
        for keyword in ["oneOf", "anyOf", "allOf", "not", "enum", "const"] where schema[keyword] != nil { return true }
        let types: [JSON] = switch schema["type"] {
        case .array(let types)?: types
        case let type?: [type]
        case nil: []
        }
        return types.isEmpty || types.contains { !["object", "array", "null"].contains($0) }
    }

    mutating func nonNullValue(_ schema: JSON, name: String?) -> JSON {
        for _ in 0..<64 {
            let candidate = value(schema, name: name)
            if !candidate.isNull { return candidate }
        }
        return value(schema, name: name)
    }

    private mutating func draw(_ schema: JSON, name: String?, depth: Int) -> JSON {
        let schema = validator.dereference(schema)
        if case .bool(true) = schema { return freeValue(depth: depth) }
        for keyword in ["oneOf", "anyOf", "allOf"] {
            if case .array(let alternatives)? = schema[keyword], !alternatives.isEmpty {
                return draw(keyword == "allOf" ? alternatives[0] : random.pick(alternatives), name: name, depth: depth)
            }
        }
        if let constant = schema["const"] { return constant }
        if case .array(let options)? = schema["enum"], !options.isEmpty { return random.pick(options) }
        var types: [String] = switch schema["type"] {
        case .string(let type)?: [type]
        case .array(let types)?: types.compactMap { if case .string(let type) = $0 { type } else { nil } }
        default: schema["properties"] != nil ? ["object"] : (schema["items"] != nil ? ["array"] : [])
        }
        if types.count > 1, types.contains("null"), !random.oneIn(5) {
            types.removeAll { $0 == "null" }
        }
        switch types.isEmpty ? "any" : random.pick(types) {
        case "null": return .null
        case "boolean": return .bool(random.oneIn(2))
        case "integer": return integer(schema, name: name)
        case "number": return random.oneIn(2) ? integer(schema, name: name) : number(schema)
        case "string": return string(schema, name: name)
        case "array": return array(schema, name: name, depth: depth)
        case "object": return object(schema, depth: depth)
        default: return freeValue(depth: depth)
        }
    }

    private mutating func fromKnown(_ name: String?) -> JSON? {
        guard let name, let pool = known[name], !pool.isEmpty, random.oneIn(2) else { return nil }
        return random.pick(pool)
    }

    // MARK: Numbers

    /// Past what Int64 holds, for a bound the schema leaves open: the edges a daemon may not take.
    static let hugeIntegers = [
        "2147483648", "9007199254740993", "9223372036854775807", "9223372036854775808", "18446744073709551616",
        "100000000000000000000000000000",
    ]

    private mutating func integer(_ schema: JSON, name: String?) -> JSON {
        if let known = fromKnown(name), case .number = known { return known }
        func bound(_ keyword: String) -> Int64? {
            if case .number(let number)? = schema[keyword] { number.int64 } else { nil }
        }
        let lower = bound("minimum") ?? bound("exclusiveMinimum").map { $0 + 1 }
        let upper = bound("maximum") ?? bound("exclusiveMaximum").map { $0 - 1 }
        var literals: [String] = []
        let low = lower ?? -1_000_000
        let high = upper ?? 1_000_000
        if low <= high {
            literals += [low, high, min(low + 1, high), max(high - 1, low)].map { String($0) }
            if (low...high).contains(0) { literals.append("0") }
            for _ in 0..<4 { literals.append(String(random.between(low, high))) }
        }
        if upper == nil { literals += Self.hugeIntegers }
        if lower == nil { literals += Self.hugeIntegers.map { "-" + $0 } }
        var literal = random.pick(literals)
        // JSON Schema's integer is mathematical: 3.0 and 3e0 are integers too (below 2^53, where a double is exact).
        if let value = Int64(literal), abs(value) < 1 << 53, random.oneIn(8) {
            literal = random.oneIn(2) ? "\(value).0" : "\(value)e0"
        }
        return Self.number(literal)
    }

    private mutating func number(_ schema: JSON) -> JSON {
        Self.number(random.pick(["0.5", "-1.25", "1e-7", "3.14159", "1.5e300", "-0.0"]))
    }

    static func number(_ literal: String) -> JSON {
        (try? JSONParser.parse(literal)) ?? .null
    }

    // MARK: Strings

    /// Kinds of text a client may send, each a list of code points: plain, JSON's escapes, other scripts,
    /// astral planes, combining marks and joiners, controls (NUL included), and the odd ones (BOM, line and
    /// paragraph separators, noncharacters, the last code point).
    static let alphabets: [[Unicode.Scalar]] = [
        Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/".unicodeScalars),
        (0x20...0x7E).compactMap { Unicode.Scalar(UInt32($0)) },
        Array("éüßñøΩжπ".unicodeScalars),
        Array("中文日本語한국어".unicodeScalars),
        [0x1F600, 0x1F680, 0x1D11E, 0x1F44D, 0x1F3FD, 0x10348].compactMap { Unicode.Scalar(UInt32($0)) },
        [0x65, 0x301, 0x200D, 0xFE0F, 0x20E3].compactMap { Unicode.Scalar(UInt32($0)) },
        (Array(0x00...0x1F) + [0x7F, 0x85]).compactMap { Unicode.Scalar(UInt32($0)) },
        [0xFEFF, 0x2028, 0x2029, 0xFFFD, 0xFFFF, 0x10FFFF, 0xE000].compactMap { Unicode.Scalar(UInt32($0)) },
    ]

    private mutating func string(_ schema: JSON, name: String?) -> JSON {
        if let known = fromKnown(name), case .string = known { return known }
        if case .string("date-time")? = schema["format"] { return .string(dateTime()) }
        func bound(_ keyword: String) -> Int? {
            if case .number(let number)? = schema[keyword] { number.int64.map(Int.init) } else { nil }
        }
        let minimum = bound("minLength") ?? 0
        let maximum = bound("maxLength") ?? minimum + 24
        let length = switch random.below(4) {
        case 0: minimum
        case 1: maximum
        default: Int(random.between(Int64(minimum), Int64(min(maximum, minimum + 16))))
        }
        return .string(text(length: length))
    }

    private mutating func text(length: Int) -> String {
        var scalars = String.UnicodeScalarView()
        let alphabet = random.below(Self.alphabets.count + 1)  // the last: a mix, drawn per code point
        for _ in 0..<length {
            let letters = alphabet < Self.alphabets.count ? Self.alphabets[alphabet] : random.pick(Self.alphabets)
            scalars.append(random.pick(letters))
        }
        return String(scalars)
    }

    /// RFC 3339, with the edges: years 0000 and 9999, February 29, second 60, up to twelve fraction
    /// digits, offsets to ±23:59.
    private mutating func dateTime() -> String {
        let year = random.oneIn(2) ? random.pick([0, 1, 1969, 1970, 2000, 2026, 9998, 9999]) : Int(random.between(0, 9999))
        let month = random.oneIn(3) ? random.pick([1, 2, 12]) : Int(random.between(1, 12))
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        let day = random.oneIn(3) ? random.pick([1, days]) : Int(random.between(1, Int64(days)))
        let hour = random.oneIn(3) ? random.pick([0, 23]) : Int(random.between(0, 23))
        let minute = random.oneIn(3) ? random.pick([0, 59]) : Int(random.between(0, 59))
        let second = random.oneIn(10) ? 60 : (random.oneIn(3) ? random.pick([0, 59]) : Int(random.between(0, 59)))
        let fractionDigits = random.pick([0, 0, 1, 3, 3, 6, 9, 12])
        let fraction = fractionDigits == 0 ? "" : "." + (0..<fractionDigits).map { _ in String(random.below(10)) }.joined()
        let offset: String
        switch random.below(6) {
        case 0, 1: offset = "Z"
        case 2: offset = random.pick(["+00:00", "-00:00", "+23:59", "-23:59"])
        default:
            offset = (random.oneIn(2) ? "+" : "-") + Self.padded(random.below(24), 2) + ":" + Self.padded(random.below(60), 2)
        }
        return "\(Self.padded(year, 4))-\(Self.padded(month, 2))-\(Self.padded(day, 2))T\(Self.padded(hour, 2)):"
            + "\(Self.padded(minute, 2)):\(Self.padded(second, 2))\(fraction)\(offset)"
    }

    static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    // MARK: Containers

    private mutating func array(_ schema: JSON, name: String?, depth: Int) -> JSON {
        func bound(_ keyword: String) -> Int? {
            if case .number(let number)? = schema[keyword] { number.int64.map(Int.init) } else { nil }
        }
        let minimum = bound("minItems") ?? 0
        let maximum = bound("maxItems") ?? minimum + 6
        var count = switch random.below(4) {
        case 0: minimum
        case 1: maximum
        default: Int(random.between(Int64(minimum), Int64(min(maximum, minimum + 5))))
        }
        if count > Self.largeArray {
            if largeArraysLeft > 0 {
                largeArraysLeft -= 1
            } else {
                count = Int(random.between(Int64(minimum), Int64(min(maximum, minimum + 5))))
            }
        }
        let items = schema["items"] ?? .bool(true)
        let uniqueKey: String? = if case .string(let key)? = schema["x-unique-by"] { key } else { nil }
        // Past `largeArray` the items repeat the first ones (the edge is the count, not the variety), each with
        // a key of its own where x-unique-by asks for one: 10,000 objects drawn afresh take seconds.
        let keySchema = uniqueKey.flatMap { validator.dereference(items)["properties"]?[$0] }
        var elements: [JSON] = []
        var seen: Set<String> = []
        for index in 0..<count {
            var template: JSON?  // not `cond ? x : nil`: JSON's own nil literal would make that .some(.null)
            if index >= Self.largeArray, !elements.isEmpty {
                template = elements[index % min(elements.count, Self.largeArray)]
            }
            var element: JSON
            if case .object(var copy)? = template, let uniqueKey, let keySchema {
                copy[uniqueKey] = value(keySchema, name: nil, depth: depth + 2)
                element = .object(copy)
            } else if let template, uniqueKey == nil {
                element = template
            } else {
                element = value(items, name: name, depth: depth + 1)
            }
            if let uniqueKey {
                for _ in 0..<16 {
                    guard let key = element[uniqueKey].map(JSONWriter.string), seen.contains(key) else { break }
                    element = value(items, name: name, depth: depth + 1)
                }
                if let key = element[uniqueKey].map(JSONWriter.string) {
                    guard seen.insert(key).inserted else { continue }
                }
            }
            elements.append(element)
        }
        return .array(elements)
    }

    private mutating func object(_ schema: JSON, depth: Int) -> JSON {
        guard case .object(let properties)? = schema["properties"] else {
            return schema["additionalProperties"] == .bool(false) ? .object(JSONObject()) : freeObject(depth: depth)
        }
        let required: Set<String> = if case .array(let names)? = schema["required"] {
            Set(names.compactMap { if case .string(let name) = $0 { name } else { nil } })
        } else { [] }
        var object = JSONObject()
        for member in properties where required.contains(member.key) || random.oneIn(2) {
            object.append(member.key, value(member.value, name: member.key, depth: depth + 1))
        }
        return .object(object)
    }

    /// Any JSON, for a schema that leaves the value open (`metadata`): nesting, numbers no double holds,
    /// negative zero, empty keys.
    private mutating func freeValue(depth: Int) -> JSON {
        switch random.below(depth < 3 ? 7 : 5) {
        case 0: return .null
        case 1: return .bool(random.oneIn(2))
        case 2: return Self.number(random.pick(["0", "-1", "42", "-0", "1.5", "1e400", "-1e-400", "123456789012345678901234567890", "9223372036854775808"]))
        case 3: return .string(text(length: random.below(12)))
        case 4: return .number(JSONNumber(random.between(-1_000_000, 1_000_000)))
        case 5: return .array((0..<random.below(4)).map { _ in freeValue(depth: depth + 1) })
        default: return freeObject(depth: depth + 1)
        }
    }

    private mutating func freeObject(depth: Int) -> JSON {
        var object = JSONObject()
        var keys: Set<String> = []
        for _ in 0..<random.below(5) {
            let key = text(length: random.below(8))
            guard keys.insert(key).inserted else { continue }
            object.append(key, freeValue(depth: depth + 1))
        }
        return .object(object)
    }
}
