import Foundation
import JSON
import JSONRPC

/// Checks the daemon's replies against Schemas/openrpc.json, so a reply that drifts from the documented API
/// (a renamed key, a 0 where null was promised, a timestamp without milliseconds) fails a test by its path.
///
/// Hand-written over the daemon's own `JSON` rather than a JSON Schema package: the tests see numbers as the
/// literals the daemon wrote (an integer stays an integer), the package stays free of test-only dependencies,
/// and the subset the document uses is small. `unsupportedKeywords()` fails a test when the document starts
/// using a keyword this validator would otherwise silently ignore.
struct OpenRPCSchema: Sendable {
    struct Param: Sendable {
        var name: String
        var required: Bool
        var schema: JSON
    }

    struct Method: Sendable {
        var name: String
        var params: [Param]
        var resultSchema: JSON?
        /// Error objects with their `$ref`s resolved.
        var errors: [JSONObject]
        var examples: [JSON]
        /// What the method's x-params extensions say about params together.
        var rules: ParamRules
    }

    let document: JSON
    let validator: SchemaValidator
    /// In document order.
    let methodNames: [String]
    private let methods: [String: Method]

    init(document: JSON) throws {
        let validator = try SchemaValidator(root: document)
        guard case .array(let entries)? = document["methods"] else {
            throw SchemaDocumentError("the document has no methods array")
        }
        var names: [String] = []
        var methods: [String: Method] = [:]
        for (index, entry) in entries.enumerated() {
            let method = try Self.method(validator.dereference(entry), at: "methods[\(index)]", validator: validator)
            guard methods[method.name] == nil else {
                throw SchemaDocumentError("methods[\(index)]: \(method.name) is described twice")
            }
            names.append(method.name)
            methods[method.name] = method
        }
        self.document = document
        self.validator = validator
        self.methodNames = names
        self.methods = methods
    }

    /// The package's own document, found from this file's path so tests run from any working directory.
    static func loadProjectDocument(filePath: String = #filePath) throws -> OpenRPCSchema {
        try OpenRPCSchema(document: JSONParser.parse(String(contentsOf: projectDocumentURL(filePath: filePath), encoding: .utf8)))
    }

    static func projectDocumentURL(filePath: String = #filePath) throws -> URL {
        try packageRoot(filePath: filePath).appendingPathComponent("Schemas/openrpc.json")
    }

    /// The nearest directory above `filePath` holding Package.swift.
    static func packageRoot(filePath: String = #filePath) throws -> URL {
        var directory = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return directory
            }
            directory.deleteLastPathComponent()
        }
        throw SchemaDocumentError("no Package.swift above \(filePath)")
    }

    func method(named name: String) -> Method? {
        methods[name]
    }

    /// Names in positional order.
    func paramNames(of method: String) -> [String] {
        methods[method]?.params.map(\.name) ?? []
    }

    // MARK: Validating traffic

    /// Params as a client sends them, by name (object) or by position (array); absent is no params.
    func validateParams(of methodName: String, _ params: JSON?) -> [String] {
        guard let method = methods[methodName] else { return ["\(methodName) is not a documented method"] }
        var given: [(name: String, value: JSON)] = []
        var violations: [String] = []
        switch params {
        case nil:
            break
        case .object(let object)?:
            for member in object {
                if method.params.contains(where: { $0.name == member.key }) {
                    given.append((member.key, member.value))
                } else {
                    violations.append("params.\(member.key): not a param of \(methodName)")
                }
            }
        case .array(let values)?:
            for (index, value) in values.enumerated() {
                if index < method.params.count {
                    given.append((method.params[index].name, value))
                } else {
                    violations.append("params[\(index)]: \(methodName) takes \(method.params.count) positional params")
                }
            }
        case let other?:
            violations.append("params: expected an object or an array, got \(SchemaValidator.typeName(of: other))")
        }
        for param in method.params {
            let value = given.last(where: { $0.name == param.name })?.value
            if let value {
                violations += validator.validate(value, against: param.schema, at: "params.\(param.name)")
            } else if param.required {
                violations.append("params.\(param.name): required")
            }
        }
        let byName = Dictionary(given.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        return violations + method.rules.violations(given: byName, validator: validator)
    }

    /// Violations of the method's result schema, each naming its path from `result`; empty when valid.
    func validateResult(of methodName: String, _ result: JSON) -> [String] {
        guard let method = methods[methodName] else { return ["\(methodName) is not a documented method"] }
        guard let schema = method.resultSchema else { return ["\(methodName) documents no result"] }
        return validator.validate(result, against: schema, at: "result")
    }

    /// Checks a JSON-RPC error object: a code the method documents (with its documented `data` shape, from the
    /// error's `x-data-schema`), or one of the spec's own codes, which any method may answer.
    func validateError(of methodName: String, _ error: JSON) -> [String] {
        guard let method = methods[methodName] else { return ["\(methodName) is not a documented method"] }
        guard case .object(let object) = error else {
            return ["error: expected an object, got \(SchemaValidator.typeName(of: error))"]
        }
        var violations: [String] = []
        for member in object where !["code", "message", "data"].contains(member.key) {
            violations.append("error.\(member.key): not a member of a JSON-RPC error object")
        }
        guard case .number(let number)? = object["code"], let code = number.int64 else {
            return violations + ["error.code: expected an integer"]
        }
        if case .string? = object["message"] {} else {
            violations.append("error.message: expected a string")
        }
        let documented = method.errors.first { entry in
            if case .number(let documentedCode)? = entry["code"] { documentedCode.int64 == code } else { false }
        }
        if let documented {
            if let dataSchema = documented["x-data-schema"] {
                if let data = object["data"] {
                    violations += validator.validate(data, against: dataSchema, at: "error.data")
                } else {
                    violations.append("error.data: missing; \(methodName) documents data for \(code)")
                }
            } else if documented["data"] == nil, object["data"] != nil {
                violations.append("error.data: \(methodName) documents no data for \(code)")
            }
        } else if !(-32700 ... -32600).contains(code) {
            let codes = method.errors.compactMap { entry -> String? in
                if case .number(let documentedCode)? = entry["code"] { documentedCode.literal } else { nil }
            }
            violations.append("error.code: \(code) is neither a JSON-RPC spec code nor one \(methodName) documents (\(codes.joined(separator: ", ")))")
        }
        return violations
    }

    // MARK: Checking the document itself

    /// Every example pairing's params and result against the method's schemas, and every documented error's
    /// example `data` against its `x-data-schema`.
    func validateExamples() -> [String] {
        var violations: [String] = []
        for name in methodNames {
            guard let method = methods[name] else { continue }
            for (index, entry) in method.examples.enumerated() {
                let example = validator.dereference(entry)
                let label = example["name"].flatMap { json -> String? in if case .string(let text) = json { text } else { nil } } ?? "#\(index)"
                let path = "\(name).examples[\(label)]"
                var given: [String] = []
                var values: [String: JSON] = [:]
                if case .array(let params)? = example["params"] {
                    for param in params.map(validator.dereference) {
                        guard case .string(let paramName)? = param["name"], let value = param["value"] else {
                            violations.append("\(path).params: each entry needs a name and a value")
                            continue
                        }
                        given.append(paramName)
                        values[paramName] = value
                        guard let schema = method.params.first(where: { $0.name == paramName })?.schema else {
                            violations.append("\(path).params.\(paramName): not a param of \(name)")
                            continue
                        }
                        violations += validator.validate(value, against: schema, at: "\(path).params.\(paramName)")
                    }
                } else {
                    violations.append("\(path): params must be an array of {name, value}")
                }
                for param in method.params where param.required && !given.contains(param.name) {
                    violations.append("\(path).params.\(param.name): required but missing")
                }
                violations += method.rules.violations(given: values, validator: validator).map { "\(path).\($0)" }
                if let result = example["result"].map(validator.dereference) {
                    if let value = result["value"], let schema = method.resultSchema {
                        violations += validator.validate(value, against: schema, at: "\(path).result")
                    } else {
                        violations.append("\(path).result: needs a value, checked against a result schema")
                    }
                }
            }
        }
        if case .object(let errors)? = document["components"]?["errors"] {
            for member in errors {
                guard let schema = member.value["x-data-schema"] else { continue }
                if let data = member.value["data"] {
                    violations += validator.validate(data, against: schema, at: "components.errors.\(member.key).data")
                }
            }
        }
        return violations
    }

    func unresolvedReferences() -> [String] {
        validator.unresolvedReferences()
    }

    /// Keywords in any schema of the document that this validator does not enforce.
    func unsupportedKeywords() -> [String] {
        var found: [String] = []
        for name in methodNames {
            guard let method = methods[name] else { continue }
            for param in method.params {
                found += validator.unsupportedKeywords(in: param.schema, at: "\(name).params.\(param.name)")
            }
            if let schema = method.resultSchema {
                found += validator.unsupportedKeywords(in: schema, at: "\(name).result")
            }
        }
        if case .object(let schemas)? = document["components"]?["schemas"] {
            for member in schemas {
                found += validator.unsupportedKeywords(in: member.value, at: "components.schemas.\(member.key)")
            }
        }
        if case .object(let errors)? = document["components"]?["errors"] {
            for member in errors {
                if let schema = member.value["x-data-schema"] {
                    found += validator.unsupportedKeywords(in: schema, at: "components.errors.\(member.key)")
                }
            }
        }
        return found
    }

    // MARK: Reading the document

    private static func method(_ json: JSON, at path: String, validator: SchemaValidator) throws -> Method {
        guard case .string(let name)? = json["name"] else {
            throw SchemaDocumentError("\(path): a method needs a name")
        }
        var params: [Param] = []
        if case .array(let entries)? = json["params"] {
            for (index, entry) in entries.enumerated() {
                let descriptor = validator.dereference(entry)
                guard case .string(let paramName)? = descriptor["name"], let schema = descriptor["schema"] else {
                    throw SchemaDocumentError("\(name).params[\(index)]: a param needs a name and a schema")
                }
                let required = if case .bool(let flag)? = descriptor["required"] { flag } else { false }
                params.append(Param(name: paramName, required: required, schema: schema))
            }
        } else if json["params"] != nil {
            throw SchemaDocumentError("\(name).params: expected an array")
        }
        var errors: [JSONObject] = []
        if case .array(let entries)? = json["errors"] {
            for (index, entry) in entries.enumerated() {
                guard case .object(let error) = validator.dereference(entry) else {
                    throw SchemaDocumentError("\(name).errors[\(index)]: not an error object (or an unresolved $ref)")
                }
                errors.append(error)
            }
        }
        let examples = if case .array(let entries)? = json["examples"] { entries } else { [JSON]() }
        let rules = try ParamRules(method: json, name: name)
        for ruleName in rules.names where !params.contains(where: { $0.name == ruleName }) {
            throw SchemaDocumentError("\(name): its x-params rules name \(ruleName), which is not one of its params")
        }
        return Method(
            name: name, params: params, resultSchema: json["result"].map(validator.dereference)?["schema"],
            errors: errors, examples: examples, rules: rules)
    }
}

struct SchemaDocumentError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The JSON Schema keywords Schemas/openrpc.json is written with, checked the way JSON Schema (draft 7, as
/// OpenRPC 1.3 uses it) defines them; `$ref` resolves JSON pointers within one document.
struct SchemaValidator: @unchecked Sendable {
    // @unchecked: the only non-Sendable stored values are NSRegularExpressions, which are immutable and
    // documented as safe to use from several threads at once.

    /// Keywords that constrain a value, all enforced below.
    static let assertionKeywords: Set<String> = [
        "$ref", "type", "enum", "const", "properties", "required", "additionalProperties", "items", "minItems",
        "maxItems", "minLength", "maxLength", "pattern", "format", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "oneOf", "anyOf", "allOf", "not",
        // The document's own: no two items of an array hold the same value under this key (JSON Schema's
        // uniqueItems compares whole items; `posts` must not repeat an id whatever else differs).
        "x-unique-by",
    ]
    /// Keywords that only inform readers and tools.
    static let annotationKeywords: Set<String> = [
        "title", "description", "default", "examples", "$comment", "deprecated", "readOnly", "writeOnly",
    ]
    /// Formats this validator asserts; JSON Schema treats other formats as annotations.
    static let assertedFormats: Set<String> = ["date-time"]

    /// RFC 3339's date-time shape; field ranges are checked in `isDateTime`.
    private static let dateTimePattern =
        #"^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(Z|[+-]([0-9]{2}):([0-9]{2}))$"#

    let root: JSON
    private let regularExpressions: [String: NSRegularExpression]
    /// Every `$ref` of `root`, resolved once: the generated-params test validates many thousand values.
    private var resolvedReferences: [String: JSON] = [:]

    /// Compiles every `pattern` of `root` up front, so a malformed one fails at load, not in some later test.
    init(root: JSON) throws {
        self.root = root
        var expressions: [String: NSRegularExpression] = [:]
        for pattern in Self.patterns(in: root) + [Self.dateTimePattern] where expressions[pattern] == nil {
            do {
                expressions[pattern] = try NSRegularExpression(pattern: pattern)
            } catch {
                throw SchemaDocumentError("invalid pattern \(pattern): \(error)")
            }
        }
        regularExpressions = expressions
        var references: [String: JSON] = [:]
        for reference in Self.references(in: root) where references[reference] == nil {
            references[reference] = resolvePointer(reference)
        }
        resolvedReferences = references
    }

    /// Violations of `schema` by `instance`, each starting with the instance's path (`result.points[2].views`).
    func validate(_ instance: JSON, against schema: JSON, at path: String) -> [String] {
        var violations: [String] = []
        check(instance, schema, path, depth: 0, into: &violations)
        return violations
    }

    /// Follows a `$ref` object to what it points at; anything else is returned as it is.
    func dereference(_ json: JSON) -> JSON {
        var current = json
        for _ in 0..<32 {
            guard case .string(let reference)? = current["$ref"], let target = resolve(reference) else { return current }
            current = target
        }
        return current
    }

    /// `#/a/b~1c` within this document (RFC 6901 escapes and URI percent-escapes honoured); nil otherwise.
    func resolve(_ reference: String) -> JSON? {
        resolvedReferences[reference] ?? resolvePointer(reference)
    }

    private func resolvePointer(_ reference: String) -> JSON? {
        guard reference.hasPrefix("#") else { return nil }
        let pointer = String(reference.dropFirst()).removingPercentEncoding ?? String(reference.dropFirst())
        if pointer.isEmpty { return root }
        guard pointer.hasPrefix("/") else { return nil }
        var current = root
        for token in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            switch current {
            case .object(let object):
                guard let next = object[key] else { return nil }
                current = next
            case .array(let elements):
                guard let index = Int(key), elements.indices.contains(index) else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    /// Every `$ref` anywhere in the document that does not resolve, with where it sits.
    func unresolvedReferences() -> [String] {
        var unresolved: [String] = []
        func walk(_ json: JSON, _ path: String) {
            switch json {
            case .object(let object):
                for member in object {
                    if member.key == "$ref" {
                        if case .string(let reference) = member.value, resolve(reference) != nil { continue }
                        unresolved.append("\(path).$ref: \(JSONWriter.string(member.value)) does not resolve")
                    } else {
                        walk(member.value, "\(path).\(member.key)")
                    }
                }
            case .array(let elements):
                for (index, element) in elements.enumerated() {
                    walk(element, "\(path)[\(index)]")
                }
            default:
                break
            }
        }
        walk(root, "document")
        return unresolved
    }

    /// Keywords (and formats) in `schema` and its subschemas that are neither enforced nor annotations.
    func unsupportedKeywords(in schema: JSON, at path: String) -> [String] {
        guard case .object(let object) = schema else { return [] }
        var found: [String] = []
        for member in object {
            let key = member.key
            if !Self.assertionKeywords.contains(key), !Self.annotationKeywords.contains(key) {
                found.append("\(path): \(key)")
            }
            switch (key, member.value) {
            case ("format", .string(let format)) where !Self.assertedFormats.contains(format):
                found.append("\(path): format \(format)")
            case ("properties", .object(let properties)):
                for property in properties {
                    found += unsupportedKeywords(in: property.value, at: "\(path).properties.\(property.key)")
                }
            case ("items", .array(let schemas)), ("oneOf", .array(let schemas)), ("anyOf", .array(let schemas)), ("allOf", .array(let schemas)):
                for (index, subschema) in schemas.enumerated() {
                    found += unsupportedKeywords(in: subschema, at: "\(path).\(key)[\(index)]")
                }
            case ("items", _), ("additionalProperties", _), ("not", _):
                found += unsupportedKeywords(in: member.value, at: "\(path).\(key)")
            default:
                break
            }
        }
        return found
    }

    // MARK: Checking

    /// Deep enough for any honest document; a `$ref` cycle stops here instead of overflowing the stack.
    private static let maximumDepth = 64

    private func check(_ instance: JSON, _ schema: JSON, _ path: String, depth: Int, into violations: inout [String]) {
        guard depth < Self.maximumDepth else {
            violations.append("\(path): schema nests deeper than \(Self.maximumDepth) (a $ref cycle?)")
            return
        }
        switch schema {
        case .bool(true):
            return
        case .bool(false):
            violations.append("\(path): no value is allowed here, got \(Self.describe(instance))")
            return
        case .object:
            break
        default:
            violations.append("\(path): the schema is neither an object nor a boolean")
            return
        }
        if let reference = schema["$ref"] {
            if case .string(let text) = reference, let target = resolve(text) {
                check(instance, target, path, depth: depth + 1, into: &violations)
            } else {
                violations.append("\(path): $ref \(JSONWriter.string(reference)) does not resolve")
            }
        }
        if let type = schema["type"] {
            let allowed: [String] = switch type {
            case .string(let name): [name]
            case .array(let names): names.compactMap { json -> String? in if case .string(let name) = json { name } else { nil } }
            default: []
            }
            guard allowed.contains(where: { Self.matches(instance, type: $0) }) else {
                violations.append("\(path): expected \(allowed.joined(separator: " or ")), got \(Self.describe(instance))")
                return
            }
        }
        if case .array(let options)? = schema["enum"], !options.contains(where: { Self.equal($0, instance) }) {
            let listed = options.map(JSONWriter.string).joined(separator: ", ")
            violations.append("\(path): \(Self.describe(instance)) is not one of \(listed)")
        }
        if let constant = schema["const"], !Self.equal(constant, instance) {
            violations.append("\(path): expected \(JSONWriter.string(constant)), got \(Self.describe(instance))")
        }
        switch instance {
        case .number(let number):
            checkNumber(number, schema, path, into: &violations)
        case .string(let text):
            checkString(text, schema, path, into: &violations)
        case .array(let elements):
            checkArray(elements, schema, path, depth: depth, into: &violations)
        case .object(let object):
            checkObject(object, schema, path, depth: depth, into: &violations)
        case .null, .bool:
            break
        }
        checkCombinators(instance, schema, path, depth: depth, into: &violations)
    }

    private func checkNumber(_ number: JSONNumber, _ schema: JSON, _ path: String, into violations: inout [String]) {
        let bounds: [(keyword: String, holds: (Int) -> Bool, words: String)] = [
            ("minimum", { $0 >= 0 }, "at least"), ("maximum", { $0 <= 0 }, "at most"),
            ("exclusiveMinimum", { $0 > 0 }, "greater than"), ("exclusiveMaximum", { $0 < 0 }, "less than"),
        ]
        for bound in bounds {
            guard case .number(let limit)? = schema[bound.keyword] else { continue }
            if !bound.holds(Self.compare(number, limit)) {
                violations.append("\(path): expected a number \(bound.words) \(limit.literal), got \(number.literal)")
            }
        }
    }

    private func checkString(_ text: String, _ schema: JSON, _ path: String, into violations: inout [String]) {
        // JSON Schema counts characters as code points, not UTF-16 units or bytes.
        let length = text.unicodeScalars.count
        if case .number(let minimum)? = schema["minLength"], let limit = minimum.int64, length < limit {
            violations.append("\(path): expected at least \(limit) characters, got \(length)")
        }
        if case .number(let maximum)? = schema["maxLength"], let limit = maximum.int64, length > limit {
            violations.append("\(path): expected at most \(limit) characters, got \(length)")
        }
        if case .string(let pattern)? = schema["pattern"], !matches(text, pattern: pattern) {
            violations.append("\(path): \(Self.describe(.string(text))) does not match the pattern \(pattern)")
        }
        if case .string("date-time")? = schema["format"], !isDateTime(text) {
            violations.append("\(path): \(Self.describe(.string(text))) is not an RFC 3339 date-time")
        }
    }

    private func checkArray(_ elements: [JSON], _ schema: JSON, _ path: String, depth: Int, into violations: inout [String]) {
        if case .number(let minimum)? = schema["minItems"], let limit = minimum.int64, elements.count < limit {
            violations.append("\(path): expected at least \(limit) items, got \(elements.count)")
        }
        if case .number(let maximum)? = schema["maxItems"], let limit = maximum.int64, elements.count > limit {
            violations.append("\(path): expected at most \(limit) items, got \(elements.count)")
        }
        if case .string(let key)? = schema["x-unique-by"] {
            var firstIndex: [String: Int] = [:]
            for (index, element) in elements.enumerated() {
                guard let value = element[key] else { continue }
                let canonical = if case .string(let text) = value { text } else { JSONWriter.string(value) }
                if let first = firstIndex[canonical] {
                    violations.append("\(path)[\(index)].\(key): repeats \(path)[\(first)].\(key) (x-unique-by)")
                } else {
                    firstIndex[canonical] = index
                }
            }
        }
        switch schema["items"] {
        case .array(let positional)?:
            for (index, element) in elements.enumerated() where index < positional.count {
                check(element, positional[index], "\(path)[\(index)]", depth: depth + 1, into: &violations)
            }
        case let items?:
            for (index, element) in elements.enumerated() {
                check(element, items, "\(path)[\(index)]", depth: depth + 1, into: &violations)
            }
        case nil:
            break
        }
    }

    private func checkObject(_ object: JSONObject, _ schema: JSON, _ path: String, depth: Int, into violations: inout [String]) {
        // Checked by the schema that names the keys, not by each $ref or allOf wrapper around it, so a
        // duplicate is reported once.
        if schema["properties"] != nil || schema["additionalProperties"] != nil {
            var seen: Set<String> = []
            for key in object.keys where !seen.insert(key).inserted {
                violations.append("\(path).\(key): key appears more than once")
            }
        }
        if case .array(let required)? = schema["required"] {
            for case .string(let key) in required where object[key] == nil {
                violations.append("\(path).\(key): required key is missing")
            }
        }
        let properties: JSONObject = if case .object(let properties)? = schema["properties"] { properties } else { JSONObject() }
        for member in object {
            if let propertySchema = properties[member.key] {
                check(member.value, propertySchema, "\(path).\(member.key)", depth: depth + 1, into: &violations)
                continue
            }
            switch schema["additionalProperties"] {
            case .bool(false)?:
                violations.append("\(path).\(member.key): unexpected key (additionalProperties is false)")
            case nil, .bool(true)?:
                break
            case let additional?:
                check(member.value, additional, "\(path).\(member.key)", depth: depth + 1, into: &violations)
            }
        }
    }

    private func checkCombinators(_ instance: JSON, _ schema: JSON, _ path: String, depth: Int, into violations: inout [String]) {
        if case .array(let all)? = schema["allOf"] {
            for subschema in all {
                check(instance, subschema, path, depth: depth + 1, into: &violations)
            }
        }
        if case .array(let any)? = schema["anyOf"] {
            let outcomes = any.map { validate(instance, against: $0, depth: depth + 1, at: path) }
            if !outcomes.contains(where: \.isEmpty) {
                violations.append("\(path): matches none of anyOf: \(Self.summary(outcomes))")
            }
        }
        if case .array(let one)? = schema["oneOf"] {
            let outcomes = one.map { validate(instance, against: $0, depth: depth + 1, at: path) }
            switch outcomes.filter(\.isEmpty).count {
            case 1:
                break
            case 0:
                violations.append("\(path): matches none of oneOf: \(Self.summary(outcomes))")
            case let count:
                violations.append("\(path): matches \(count) alternatives of oneOf, expected exactly one")
            }
        }
        if let not = schema["not"], validate(instance, against: not, depth: depth + 1, at: path).isEmpty {
            violations.append("\(path): must not match the schema under not")
        }
    }

    private func validate(_ instance: JSON, against schema: JSON, depth: Int, at path: String) -> [String] {
        var violations: [String] = []
        check(instance, schema, path, depth: depth, into: &violations)
        return violations
    }

    /// The first violation of each alternative, so a failed oneOf still says what was wrong.
    private static func summary(_ outcomes: [[String]]) -> String {
        outcomes.enumerated().map { "[\($0.offset)] \($0.element.first ?? "ok")" }.joined(separator: "; ")
    }

    // MARK: Values

    private func matches(_ text: String, pattern: String) -> Bool {
        // Patterns of schemas outside `root` are compiled on use; a pattern that does not compile never matches.
        guard let expression = regularExpressions[pattern] ?? (try? NSRegularExpression(pattern: pattern)) else { return false }
        return expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// RFC 3339 `date-time`: the shape by regular expression, then the ranges (month 1-12, a day the month
    /// has, hour 0-23, minute 0-59, second 0-60 for a leap second, offset under 24 hours).
    func isDateTime(_ text: String) -> Bool {
        guard let expression = regularExpressions[Self.dateTimePattern],
              let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
        else { return false }
        func field(_ group: Int) -> Int? {
            Range(match.range(at: group), in: text).flatMap { Int(text[$0]) }
        }
        guard let year = field(1), let month = field(2), let day = field(3), let hour = field(4), let minute = field(5),
              let second = field(6)
        else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...12).contains(month), (1...daysInMonth[month - 1]).contains(day), hour < 24, minute < 60, second <= 60
        else { return false }
        if let offsetHours = field(9), let offsetMinutes = field(10) {
            return offsetHours < 24 && offsetMinutes < 60
        }
        return true
    }

    static func matches(_ instance: JSON, type: String) -> Bool {
        switch (type, instance) {
        case ("null", .null), ("boolean", .bool), ("number", .number), ("string", .string), ("array", .array),
             ("object", .object):
            true
        case ("integer", .number(let number)):
            isInteger(number)
        default:
            false
        }
    }

    /// JSON Schema's integer is mathematical: `3` and `3.0` are integers, `3.5` is not.
    static func isInteger(_ number: JSONNumber) -> Bool {
        if number.int64 != nil { return true }
        guard let value = number.double, value.isFinite else { return false }
        return value == value.rounded()
    }

    static func typeName(of instance: JSON) -> String {
        switch instance {
        case .null: "null"
        case .bool: "boolean"
        case .number(let number): isInteger(number) ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The value's type, and the value itself when it is short, so a message shows what was actually sent.
    static func describe(_ instance: JSON) -> String {
        switch instance {
        case .array(let elements): "array of \(elements.count)"
        case .object(let object): "object with keys \(object.keys.joined(separator: ", "))"
        default:
            "\(typeName(of: instance)) \(JSONWriter.string(instance).prefix(80))"
        }
    }

    /// JSON equality as JSON Schema defines it: numbers by value, objects regardless of key order.
    static func equal(_ lhs: JSON, _ rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.number(let left), .number(let right)):
            compare(left, right) == 0
        case (.array(let left), .array(let right)):
            left.count == right.count && zip(left, right).allSatisfy { equal($0, $1) }
        case (.object(let left), .object(let right)):
            left.count == right.count && left.allSatisfy { member in right[member.key].map { equal(member.value, $0) } ?? false }
        default:
            lhs == rhs
        }
    }

    /// -1, 0 or 1; exact for integers, by Double otherwise.
    static func compare(_ lhs: JSONNumber, _ rhs: JSONNumber) -> Int {
        if let left = lhs.int64, let right = rhs.int64 {
            return left < right ? -1 : (left > right ? 1 : 0)
        }
        if let order = compareIntegerLiterals(lhs.literal, rhs.literal) {
            return order
        }
        let left = lhs.double ?? .nan
        let right = rhs.double ?? .nan
        return left < right ? -1 : (left > right ? 1 : 0)
    }

    /// Plain integer literals of any length compared exactly: as Doubles, 2^63 equals 2^63 - 1, and a
    /// `maximum` of Int64.max would let the first integer the daemon cannot hold through.
    static func compareIntegerLiterals(_ lhs: String, _ rhs: String) -> Int? {
        func parts(_ literal: String) -> (negative: Bool, digits: Substring)? {
            let negative = literal.hasPrefix("-")
            var digits = literal.dropFirst(negative ? 1 : 0)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            while digits.count > 1, digits.first == "0" { digits = digits.dropFirst() }
            return (negative && digits != "0", digits)
        }
        guard let left = parts(lhs), let right = parts(rhs) else { return nil }
        if left.negative != right.negative { return left.negative ? -1 : 1 }
        let magnitude = left.digits.count != right.digits.count
            ? (left.digits.count < right.digits.count ? -1 : 1)
            : (left.digits == right.digits ? 0 : (left.digits < right.digits ? -1 : 1))
        return left.negative ? -magnitude : magnitude
    }

    /// -1, 0 or 1 for two numbers, or two RFC 3339 date-times as moments (offsets applied); nil for anything
    /// else. What `x-params-ordered` compares.
    func order(_ lhs: JSON, _ rhs: JSON) -> Int? {
        switch (lhs, rhs) {
        case (.number(let left), .number(let right)):
            return Self.compare(left, right)
        case (.string(let left), .string(let right)):
            guard let left = moment(left), let right = moment(right) else { return nil }
            return left < right ? -1 : (left > right ? 1 : 0)
        default:
            return nil
        }
    }

    /// A date-time as (seconds since 1970 in UTC, fraction digits padded to 12), comparable as a tuple.
    private func moment(_ text: String) -> Moment? {
        guard isDateTime(text), let expression = regularExpressions[Self.dateTimePattern],
              let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
        else { return nil }
        func field(_ group: Int) -> Substring? {
            Range(match.range(at: group), in: text).map { text[$0] }
        }
        guard let year = field(1).flatMap({ Int64($0) }), let month = field(2).flatMap({ Int64($0) }),
              let day = field(3).flatMap({ Int64($0) }), let hour = field(4).flatMap({ Int64($0) }),
              let minute = field(5).flatMap({ Int64($0) }), let second = field(6).flatMap({ Int64($0) })
        else { return nil }
        // Days from the civil date (Howard Hinnant's algorithm, proleptic Gregorian).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let days = era * 146_097 + yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear - 719_468
        var offset: Int64 = 0
        if let sign = field(8)?.first, sign != "Z", let hours = field(9).flatMap({ Int64($0) }), let minutes = field(10).flatMap({ Int64($0) }) {
            offset = (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
        }
        let fraction = String((field(7)?.dropFirst() ?? "").prefix(12))
        return Moment(seconds: days * 86_400 + hour * 3600 + minute * 60 + second - offset,
                      fraction: fraction + String(repeating: "0", count: 12 - fraction.count))
    }

    private struct Moment: Comparable {
        var seconds: Int64
        var fraction: String
        static func < (lhs: Moment, rhs: Moment) -> Bool {
            (lhs.seconds, lhs.fraction) < (rhs.seconds, rhs.fraction)
        }
    }

    private static func references(in json: JSON) -> [String] {
        switch json {
        case .object(let object):
            object.flatMap { member -> [String] in
                if member.key == "$ref", case .string(let reference) = member.value { return [reference] }
                return references(in: member.value)
            }
        case .array(let elements):
            elements.flatMap(references(in:))
        default:
            []
        }
    }

    private static func patterns(in json: JSON) -> [String] {
        switch json {
        case .object(let object):
            object.flatMap { member -> [String] in
                if member.key == "pattern", case .string(let pattern) = member.value { return [pattern] }
                return patterns(in: member.value)
            }
        case .array(let elements):
            elements.flatMap(patterns(in:))
        default:
            []
        }
    }
}
