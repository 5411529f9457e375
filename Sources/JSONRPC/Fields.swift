import JSON

/// Reads typed values out of a params object, naming the exact field in every error.
///
/// `path` is where this object sits in the params (`""` at the top, `posts[3]` for an element), so a
/// bad value deep inside a bulk call is reported as `posts[3].postedAt`, not just "postedAt".
public struct Fields: Sendable {
    public let object: JSONObject
    public let path: String

    public init(object: JSONObject, path: String = "") {
        self.object = object
        self.path = path
    }

    public func fieldPath(_ name: String) -> String {
        path.isEmpty ? name : "\(path).\(name)"
    }

    public func has(_ name: String) -> Bool {
        object[name].map { !$0.isNull } ?? false
    }

    /// Rejects members not in `allowed`: a misspelt optional field would otherwise be silently ignored.
    public func rejectUnknown(allowed: [String]) throws(RPCError) {
        for member in object where !allowed.contains(member.key) {
            throw .invalidParams(
                field: fieldPath(member.key),
                reason: "unknown field; expected \(allowed.isEmpty ? "none" : allowed.joined(separator: ", "))"
            )
        }
    }

    // MARK: Generic access

    /// The value of an optional field; nil when absent or null.
    public func optional<T>(_ name: String, expected: String, _ convert: (JSON) -> T?) throws(RPCError) -> T? {
        guard let value = object[name], !value.isNull else { return nil }
        guard let converted = convert(value) else {
            throw .invalidParams(field: fieldPath(name), reason: "expected \(expected), got \(value.kindName)")
        }
        return converted
    }

    public func required<T>(_ name: String, expected: String, _ convert: (JSON) -> T?) throws(RPCError) -> T {
        guard let value = try optional(name, expected: expected, convert) else {
            throw .invalidParams(field: fieldPath(name), reason: "required, expected \(expected)")
        }
        return value
    }

    // MARK: Common kinds

    /// `maxLength` counts characters as JSON Schema's `maxLength` does (Unicode code points), so the bound a
    /// client checks against Schemas/openrpc.json is exactly the one enforced here; storage stays bounded all
    /// the same, at four UTF-8 bytes a code point at most.
    ///
    /// No string param may hold U+0000: SQLite text, as GRDB reads it back, ends at the first NUL, so an id
    /// holding one would be answered cut short (and PostgreSQL refuses NUL in text outright).
    public func optionalString(_ name: String, maxLength: Int = 1024) throws(RPCError) -> String? {
        guard let value = try optional(name, expected: "a string", { if case .string(let s) = $0 { s } else { nil } }) else {
            return nil
        }
        guard Self.fits(value, maxLength: maxLength) else {
            throw .invalidParams(field: fieldPath(name), reason: "longer than \(maxLength) characters")
        }
        guard !value.utf8.contains(0) else {
            throw .invalidParams(field: fieldPath(name), reason: "must not contain U+0000")
        }
        return value
    }

    /// At most `maxLength` code points; the byte count, which is never smaller, settles most strings at once.
    static func fits(_ text: String, maxLength: Int) -> Bool {
        text.utf8.count <= maxLength || text.unicodeScalars.count <= maxLength
    }

    /// A required string that is not empty: ids and names are never blank.
    public func string(_ name: String, maxLength: Int = 1024) throws(RPCError) -> String {
        guard let value = try optionalString(name, maxLength: maxLength) else {
            throw .invalidParams(field: fieldPath(name), reason: "required, expected a string")
        }
        guard !value.isEmpty else {
            throw .invalidParams(field: fieldPath(name), reason: "must not be empty")
        }
        return value
    }

    public func optionalInt(_ name: String, in range: ClosedRange<Int64>) throws(RPCError) -> Int64? {
        guard let value = try optional(name, expected: "an integer", { if case .number(let n) = $0 { n.int64 } else { nil } }) else {
            return nil
        }
        guard range.contains(value) else {
            throw .invalidParams(field: fieldPath(name), reason: "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }

    public func optionalBool(_ name: String) throws(RPCError) -> Bool? {
        try optional(name, expected: "a boolean") { if case .bool(let b) = $0 { b } else { nil } }
    }

    /// An enumeration given by its raw string; the error lists the accepted spellings.
    public func optionalEnum<E: RawRepresentable & CaseIterable>(_ name: String, _: E.Type) throws(RPCError) -> E?
    where E.RawValue == String {
        guard let raw = try optionalString(name) else { return nil }
        guard let value = E(rawValue: raw) else {
            let accepted = E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw .invalidParams(field: fieldPath(name), reason: "expected one of \(accepted), got \"\(raw)\"")
        }
        return value
    }

    public func requiredEnum<E: RawRepresentable & CaseIterable>(_ name: String, _ type: E.Type) throws(RPCError) -> E
    where E.RawValue == String {
        guard let value = try optionalEnum(name, type) else {
            let accepted = E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw .invalidParams(field: fieldPath(name), reason: "required, expected one of \(accepted)")
        }
        return value
    }

    /// An array field, with a bound on its length; elements are handed back with their own paths.
    public func optionalArray(_ name: String, maxCount: Int) throws(RPCError) -> [(path: String, value: JSON)]? {
        guard let elements = try optional(name, expected: "an array", { if case .array(let a) = $0 { a } else { nil } }) else {
            return nil
        }
        guard elements.count <= maxCount else {
            throw .invalidParams(field: fieldPath(name), reason: "at most \(maxCount) elements per call, got \(elements.count)")
        }
        return elements.enumerated().map { ("\(fieldPath(name))[\($0.offset)]", $0.element) }
    }

    public func array(_ name: String, maxCount: Int, allowEmpty: Bool = false) throws(RPCError) -> [(path: String, value: JSON)] {
        guard let elements = try optionalArray(name, maxCount: maxCount) else {
            throw .invalidParams(field: fieldPath(name), reason: "required, expected an array")
        }
        if !allowEmpty, elements.isEmpty {
            throw .invalidParams(field: fieldPath(name), reason: "must not be empty")
        }
        return elements
    }

    /// Elements of an array of objects, each as `Fields` rooted at its own path.
    public func objects(_ name: String, maxCount: Int, allowEmpty: Bool = false) throws(RPCError) -> [Fields] {
        var result: [Fields] = []
        for element in try array(name, maxCount: maxCount, allowEmpty: allowEmpty) {
            guard case .object(let object) = element.value else {
                throw .invalidParams(field: element.path, reason: "expected an object, got \(element.value.kindName)")
            }
            result.append(Fields(object: object, path: element.path))
        }
        return result
    }

    /// Elements of an array of non-empty strings.
    public func strings(_ name: String, maxCount: Int, maxLength: Int = 1024) throws(RPCError) -> [String] {
        var result: [String] = []
        for element in try array(name, maxCount: maxCount) {
            guard case .string(let string) = element.value, !string.isEmpty, Self.fits(string, maxLength: maxLength),
                  !string.utf8.contains(0)
            else {
                throw .invalidParams(
                    field: element.path, reason: "expected a non-empty string of at most \(maxLength) characters, without U+0000")
            }
            result.append(string)
        }
        return result
    }
}
