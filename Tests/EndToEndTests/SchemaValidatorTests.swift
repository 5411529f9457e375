import Foundation
import JSON
import JSONRPC
import Testing

/// The validator must catch what it is there to catch (else every "validates against the schema" test below
/// it proves nothing), and Schemas/openrpc.json must be a document it can hold the daemon to.
@Suite(.ownThread) struct SchemaValidatorTests {
    /// A small document exercising every keyword the validator supports, with `$ref`s two levels deep.
    static let fixture = ##"""
        {
          "openrpc": "1.3.2",
          "info": {"title": "fixture", "version": "1"},
          "methods": [
            {
              "name": "getThing",
              "paramStructure": "either",
              "params": [
                {"name": "id", "required": true, "schema": {"$ref": "#/components/schemas/Id"}},
                {"name": "limit", "required": false, "schema": {"type": ["integer", "null"], "minimum": 1, "maximum": 10}}
              ],
              "result": {"name": "thing", "schema": {"$ref": "#/components/schemas/Thing"}},
              "errors": [{"$ref": "#/components/errors/NotFound"}, {"$ref": "#/components/errors/Busy"}],
              "examples": [
                {
                  "name": "bad example",
                  "params": [{"name": "limit", "value": 11}],
                  "result": {"name": "thing", "value": {"id": "t1"}}
                }
              ]
            },
            {
              "name": "listThings",
              "paramStructure": "either",
              "params": [
                {
                  "name": "ids", "required": false,
                  "schema": {"type": ["array", "null"], "items": {"type": "object", "properties": {"id": {"type": "string"}}}, "x-unique-by": "id"}
                },
                {"name": "group", "required": false, "schema": {"type": ["string", "null"]}},
                {"name": "from", "required": false, "schema": {"type": ["string", "null"], "format": "date-time"}},
                {"name": "to", "required": false, "schema": {"type": ["string", "null"], "format": "date-time"}}
              ],
              "x-params-exclusive": [["ids"], ["group", "from", "to"]],
              "x-params-one-required": [["ids", "group"]],
              "x-params-ordered": [["from", "to"]],
              "result": {"name": "things", "schema": {"type": "array"}},
              "errors": [],
              "examples": []
            }
          ],
          "components": {
            "schemas": {
              "Id": {"type": "string", "minLength": 1, "maxLength": 8},
              "Stamp": {"type": ["string", "null"], "format": "date-time", "pattern": "\\.[0-9]{3}Z$"},
              "Kind": {"type": "string", "enum": ["a", "b"]},
              "Thing": {
                "type": "object",
                "required": ["id", "count", "kind", "at", "tags", "flag"],
                "properties": {
                  "id": {"$ref": "#/components/schemas/Id"},
                  "count": {"type": ["integer", "null"], "minimum": 0},
                  "kind": {"$ref": "#/components/schemas/Kind"},
                  "at": {"allOf": [{"$ref": "#/components/schemas/Stamp"}]},
                  "tags": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "string"}},
                  "flag": {"const": true},
                  "extra": {"type": "object", "additionalProperties": {"type": "integer"}},
                  "either": {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 10}]},
                  "any": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                  "not": {"not": {"const": 0}}
                },
                "additionalProperties": false
              }
            },
            "errors": {
              "NotFound": {
                "code": -32001, "message": "Not found", "data": {"id": "t1"},
                "x-data-schema": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}, "additionalProperties": false}
              },
              "Busy": {"code": -32000, "message": "Busy"}
            }
          }
        }
        """##

    static let validThing = #"{"id": "t1", "count": 3, "kind": "a", "at": "2026-11-24T19:04:00.123Z", "tags": ["x"], "flag": true}"#

    let schema: OpenRPCSchema

    init() throws {
        schema = try OpenRPCSchema(document: JSONParser.parse(Self.fixture))
    }

    /// `validThing` with `edit` applied to its members.
    func thing(_ edit: (inout JSONObject) -> Void) throws -> JSON {
        guard case .object(var object) = try JSONParser.parse(Self.validThing) else {
            throw TestFailure("validThing is not an object")
        }
        edit(&object)
        return .object(object)
    }

    func violations(_ edit: (inout JSONObject) -> Void) throws -> [String] {
        schema.validateResult(of: "getThing", try thing(edit))
    }

    @Test func aValidResultHasNoViolations() throws {
        #expect(try violations { _ in } == [])
        #expect(try violations { $0["count"] = JSON.null } == [], "null is allowed by a type array")
        #expect(try violations { $0["count"] = .number(JSONNumber(7)) } == [])
    }

    @Test func aWrongTypeIsReportedWithItsPath() throws {
        let found = try violations { $0["count"] = "3" }
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("result.count: expected integer or null, got string") == true, "\(found)")
    }

    @Test func integerMeansAWholeNumber() throws {
        #expect(try violations { $0["count"] = .number(JSONNumber(1.5)!) }.count == 1)
        let twoPointZero = try JSONParser.parse("2.0")
        let whole = try violations { $0["count"] = twoPointZero }
        #expect(whole == [], "2.0 is an integer in JSON Schema")
        #expect(try violations { $0["count"] = .number(JSONNumber(-1)) }.first?.contains("at least 0") == true)
    }

    @Test func aMissingRequiredKeyIsReported() throws {
        #expect(try violations { $0["kind"] = nil } == ["result.kind: required key is missing"])
    }

    @Test func anExtraKeyIsReportedWhenAdditionalPropertiesIsFalse() throws {
        #expect(try violations { $0["accessToken"] = "secret" } == ["result.accessToken: unexpected key (additionalProperties is false)"])
    }

    @Test func additionalPropertiesCanBeASchema() throws {
        #expect(try violations { $0["extra"] = ["a": 1, "b": 2] } == [])
        #expect(try violations { $0["extra"] = ["a": 1, "b": "2"] }.first?.hasPrefix("result.extra.b: expected integer") == true)
    }

    @Test func aValueOutsideTheEnumIsReported() throws {
        let found = try violations { $0["kind"] = "c" }
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("result.kind: string \"c\" is not one of") == true, "\(found)")
    }

    @Test func constIsEnforced() throws {
        #expect(try violations { $0["flag"] = false }.count == 1)
    }

    @Test func arrayBoundsAndItemsAreEnforced() throws {
        #expect(try violations { $0["tags"] = [] }.first?.contains("at least 1 items") == true)
        #expect(try violations { $0["tags"] = ["a", "b", "c"] }.first?.contains("at most 2 items") == true)
        #expect(try violations { $0["tags"] = ["a", 2] }.first?.hasPrefix("result.tags[1]: expected string") == true)
    }

    @Test func stringLengthsCountCharacters() throws {
        #expect(try violations { $0["id"] = "" }.first?.contains("at least 1 characters") == true)
        #expect(try violations { $0["id"] = "ééééééé" } == [], "7 characters, 14 bytes")
        #expect(try violations { $0["id"] = "123456789" }.first?.contains("at most 8 characters") == true)
    }

    @Test(arguments: [
        "2026-11-24 19:04:00.123Z", "2026-11-24T19:04:00.123", "2026-13-01T00:00:00.000Z", "2026-02-29T00:00:00.000Z",
        "2026-11-24T24:00:00.000Z", "2026-11-24T19:60:00.000Z", "2026-11-24T19:04:00.123+0100", "2026-11-24T19:04:00.Z",
        "26-11-24T19:04:00.123Z", "2026-11-24T19:04:00.123Z ", "yesterday",
    ])
    func aBadDateTimeIsReported(text: String) throws {
        let found = try violations { $0["at"] = .string(text) }
        #expect(found.contains { $0.hasPrefix("result.at:") && $0.hasSuffix("is not an RFC 3339 date-time") }, "\(found)")
    }

    @Test(arguments: ["2026-11-24T19:04:00.123Z", "2028-02-29T23:59:60.000Z", "2026-11-24T19:04:00.5+05:30", "2026-11-24T19:04:00-08:00"])
    func aGoodDateTimeIsAccepted(text: String) throws {
        #expect(schema.validator.isDateTime(text))
    }

    @Test func patternAppliesToStringsOnly() throws {
        let found = try violations { $0["at"] = "2026-11-24T19:04:00Z" }
        #expect(found.count == 1)
        #expect(found.first?.contains("does not match the pattern") == true, "\(found)")
        #expect(try violations { $0["at"] = .null } == [], "pattern and format do not apply to null")
    }

    @Test func oneOfAnyOfAndNotAreEnforced() throws {
        #expect(try violations { $0["either"] = 3 } == [])
        #expect(try violations { $0["either"] = .number(JSONNumber(12.5)!) } == [])
        #expect(try violations { $0["either"] = .number(JSONNumber(2.5)!) }.first?.contains("matches none of oneOf") == true)
        #expect(try violations { $0["any"] = 3 }.first?.contains("matches none of anyOf") == true)
        #expect(try violations { $0["not"] = 0 }.first?.contains("must not match") == true)
        #expect(try violations { $0["not"] = 1 } == [])
    }

    @Test func referencesResolveAndUnresolvedOnesAreReported() throws {
        #expect(schema.unresolvedReferences() == [])
        #expect(schema.validator.resolve("#/components/schemas/Kind")?["enum"] == ["a", "b"])
        #expect(schema.validator.resolve("#/components/schemas/Missing") == nil)
        let broken = try OpenRPCSchema(document: JSONParser.parse(Self.fixture.replacingOccurrences(of: "schemas/Kind\"}", with: "schemas/Knd\"}")))
        #expect(broken.unresolvedReferences() == ["document.components.schemas.Thing.properties.kind.$ref: \"#/components/schemas/Knd\" does not resolve"])
        #expect(broken.validateResult(of: "getThing", try thing { _ in }).first?.hasPrefix("result.kind: $ref") == true)
    }

    @Test func duplicateKeysAreReported() throws {
        let json = try thing { $0.append("kind", "b") }
        #expect(schema.validateResult(of: "getThing", json) == ["result.kind: key appears more than once"])
    }

    @Test func paramsAreCheckedByNameAndByPosition() throws {
        #expect(schema.paramNames(of: "getThing") == ["id", "limit"])
        #expect(schema.validateParams(of: "getThing", ["id": "t1", "limit": 5]) == [])
        #expect(schema.validateParams(of: "getThing", ["t1", .null]) == [])
        #expect(schema.validateParams(of: "getThing", ["t1", 5, 6]) == ["params[2]: getThing takes 2 positional params"])
        #expect(schema.validateParams(of: "getThing", ["id": "t1", "lmit": 5]) == ["params.lmit: not a param of getThing"])
        #expect(schema.validateParams(of: "getThing", nil) == ["params.id: required"])
        #expect(schema.validateParams(of: "getThing", [1]).first?.hasPrefix("params.id: expected string") == true)
    }

    /// The document's x-params extensions and x-unique-by: what JSON Schema alone cannot say about params.
    @Test func paramRulesAreEnforced() {
        #expect(schema.validateParams(of: "listThings", ["ids": [["id": "a"], ["id": "b"]]]) == [])
        #expect(schema.validateParams(of: "listThings", ["group": "g", "from": "2026-11-24T00:00:00Z", "to": "2026-11-24T01:00:00+01:00"]) == [],
                "the same moment is not a decrease")
        #expect(schema.validateParams(of: "listThings", [[["id": "a"]], .null, .null]) == [], "null is not given, by position too")
        #expect(schema.validateParams(of: "listThings", ["ids": [["id": "a"]], "group": "g"])
            == ["params: ids and group exclude each other (x-params-exclusive)"])
        #expect(schema.validateParams(of: "listThings", ["from": "2026-11-24T00:00:00Z", "ids": .null])
            == ["params: one of ids, group is required (x-params-one-required)"])
        #expect(schema.validateParams(of: "listThings", ["group": "g", "from": "2026-11-24T00:00:00.001Z", "to": "2026-11-24T00:00:00Z"])
            == ["params.to: before from (x-params-ordered)"])
        #expect(schema.validateParams(of: "listThings", ["ids": [["id": "a"], ["id": "b"], ["id": "a"]]])
            == ["params.ids[2].id: repeats params.ids[0].id (x-unique-by)"])
    }

    @Test func aRuleNamingAnUnknownParamIsADocumentError() throws {
        let misspelt = try JSONParser.parse(Self.fixture.replacingOccurrences(of: #"[["from", "to"]]"#, with: #"[["from", "until"]]"#))
        #expect(throws: SchemaDocumentError.self) { try OpenRPCSchema(document: misspelt) }
    }

    /// As Doubles, 2^63 equals 2^63 - 1: a maximum of Int64.max must still refuse the next integer.
    @Test func integersBeyondInt64CompareExactly() throws {
        let bounds: JSON = ["type": "integer", "minimum": .number(JSONNumber(Int64.min)), "maximum": .number(JSONNumber(Int64.max))]
        func violations(_ literal: String) throws -> [String] {
            schema.validator.validate(try JSONParser.parse(literal), against: bounds, at: "n")
        }
        #expect(try violations("9223372036854775807") == [])
        #expect(try violations("-9223372036854775808") == [])
        #expect(try violations("9223372036854775808").count == 1)
        #expect(try violations("-9223372036854775809").count == 1)
        #expect(try violations("100000000000000000000").count == 1)
        #expect(try violations("9.3e18").count == 1)
    }

    @Test func errorsMustBeDocumentedOrFromTheSpec() throws {
        #expect(schema.validateError(of: "getThing", ["code": -32001, "message": "Not found", "data": ["id": "t9"]]) == [])
        #expect(schema.validateError(of: "getThing", ["code": -32000, "message": "Busy"]) == [])
        #expect(schema.validateError(of: "getThing", ["code": -32602, "message": "Invalid params", "data": ["field": "id"]]) == [])
        #expect(schema.validateError(of: "getThing", ["code": -32003, "message": "Storage"]).first?.hasPrefix("error.code: -32003 is neither") == true)
        #expect(schema.validateError(of: "getThing", ["code": -32001, "message": "Not found"]).first?.hasPrefix("error.data: missing") == true)
        #expect(schema.validateError(of: "getThing", ["code": -32001, "message": "x", "data": ["id": 3]]).first?.hasPrefix("error.data.id: expected string") == true)
        #expect(schema.validateError(of: "getThing", ["code": -32000, "message": "Busy", "data": 1]).first?.hasPrefix("error.data: getThing documents no data") == true)
        #expect(schema.validateError(of: "getThing", ["code": "-32001", "message": "x"]) == ["error.code: expected an integer"])
        #expect(schema.validateError(of: "getThing", ["code": -32001, "message": "x", "data": ["id": "t"], "id": 1]) == ["error.id: not a member of a JSON-RPC error object"])
    }

    @Test func aBadExampleIsReported() {
        let found = schema.validateExamples()
        #expect(found.contains("getThing.examples[bad example].params.limit: expected a number at most 10, got 11"), "\(found)")
        #expect(found.contains("getThing.examples[bad example].params.id: required but missing"), "\(found)")
        #expect(found.contains("getThing.examples[bad example].result.count: required key is missing"), "\(found)")
    }

    @Test func unsupportedKeywordsAreNamed() throws {
        let document = try JSONParser.parse(Self.fixture.replacingOccurrences(of: #""maxItems": 2"#, with: #""uniqueItems": true"#))
        #expect(try OpenRPCSchema(document: document).unsupportedKeywords() == ["components.schemas.Thing.properties.tags: uniqueItems"])
        #expect(schema.unsupportedKeywords() == [])
    }
}

extension SchemaValidatorTests {
    /// Schemas/openrpc.json: complete, consistent and strict, and the very file the daemon compiles in (that
    /// `rpc.discover` serves exactly it is MethodTests' end-to-end check). Nested so `--filter
    /// SchemaValidatorTests` runs it too.
    @Suite struct ProjectDocument {
        static let methods = [
            "health", "rpc.discover", "upsertWorkspace", "upsertAccount", "upsertPosts", "listAccounts", "listPosts",
            "latestMetrics", "history", "importMetrics", "refreshAll", "refreshWorkspace", "runStatus", "listRuns", "syncPosts",
            "freshness", "deltas", "series", "topPosts", "anomalies", "bestTimes", "export", "whoami", "metrics",
            "events", "subscribe", "unsubscribe", "upsertMilestones",
            "upsertWebhook", "listWebhooks", "deleteWebhook", "webhookDeliveries",
        ]

        let schema: OpenRPCSchema

        init() throws {
            schema = try OpenRPCSchema.loadProjectDocument()
        }

        @Test func describesEveryMethodWithParamsResultErrorsAndExamples() throws {
            #expect(schema.document["openrpc"] == "1.3.2")
            #expect(Set(schema.methodNames) == Set(Self.methods))
            guard case .array(let methods)? = schema.document["methods"] else { throw TestFailure("no methods") }
            for method in methods {
                let name = method["name"].map(JSONWriter.string) ?? "?"
                #expect(method["paramStructure"] == "either", "\(name)")
                for key in ["summary", "description"] {
                    if case .string(let text)? = method[key] { #expect(!text.isEmpty, "\(name).\(key)") } else { Issue.record("\(name) has no \(key)") }
                }
                if case .array(let examples)? = method["examples"] { #expect(!examples.isEmpty, "\(name)") } else { Issue.record("\(name) has no examples") }
                if case .array(let errors)? = method["errors"] {
                    #expect(errors.contains(["$ref": "#/components/errors/InvalidParams"]), "\(name) must document -32602")
                } else {
                    Issue.record("\(name) has no errors")
                }
            }
        }

        @Test func everyReferenceResolvesAndEveryKeywordIsEnforced() {
            #expect(schema.unresolvedReferences() == [])
            #expect(schema.unsupportedKeywords() == [])
        }

        @Test func everyExampleValidates() {
            #expect(schema.validateExamples() == [])
        }

        /// The positional order is the code's `parameters:` array; read from the method sources so the two
        /// cannot drift apart, and so an undocumented new method fails here.
        @Test func paramsAreInTheOrderTheDaemonTakesThem() throws {
            let directory = try OpenRPCSchema.packageRoot().appendingPathComponent("Sources/MetricsDaemon/Methods")
            let registration = try NSRegularExpression(
                pattern: #"(?:\.(?:inline|task)\(|ReadRoute<.*?>\()\s*"([^"]+)"(?:\s*,\s*parameters:\s*\[([^\]]*)\])?"#)
            var served: [String: [String]] = [:]
            for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".swift") {
                let source = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                for match in registration.matches(in: source, range: NSRange(source.startIndex..., in: source)) {
                    guard let name = Range(match.range(at: 1), in: source).map({ String(source[$0]) }) else { continue }
                    let list = Range(match.range(at: 2), in: source).map { String(source[$0]) } ?? ""
                    served[name] = list.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \n\"")) }
                }
            }
            #expect(Set(served.keys) == Set(schema.methodNames), "methods served vs documented")
            for (name, parameters) in served {
                #expect(schema.paramNames(of: name) == parameters, "\(name)")
            }
        }

        /// Every object a result can hold lists all its keys as required and allows no others, so a renamed,
        /// dropped or leaked key (a token) fails the end-to-end tests. rpc.discover's document is open by nature.
        @Test func resultSchemasAreClosed() throws {
            var loose: [String] = []
            var visited: Set<String> = []
            func walk(_ schema: JSON, _ path: String) {
                guard case .object(let object) = schema else { return }
                if case .string(let reference)? = object["$ref"] {
                    guard visited.insert(reference).inserted, let target = self.schema.validator.resolve(reference) else { return }
                    walk(target, reference)
                }
                if case .object(let properties)? = object["properties"] {
                    let required: [String] = if case .array(let keys)? = object["required"] {
                        keys.compactMap { key -> String? in if case .string(let text) = key { text } else { nil } }
                    } else { [] }
                    if Set(required) != Set(properties.keys) { loose.append("\(path): required is not every property") }
                    if object["additionalProperties"] != .bool(false) { loose.append("\(path): additionalProperties is not false") }
                    for property in properties { walk(property.value, "\(path).\(property.key)") }
                }
                for key in ["items", "not"] { if let sub = object[key] { walk(sub, "\(path).\(key)") } }
                for key in ["oneOf", "anyOf", "allOf"] {
                    if case .array(let subs)? = object[key] {
                        for (index, sub) in subs.enumerated() { walk(sub, "\(path).\(key)[\(index)]") }
                    }
                }
            }
            guard case .array(let methods)? = schema.document["methods"] else { throw TestFailure("no methods") }
            for method in methods where method["name"] != "rpc.discover" {
                if let result = method["result"]?["schema"] { walk(result, "\(method["name"].map(JSONWriter.string) ?? "?").result") }
            }
            #expect(loose == [])
        }

        @Test func applicationErrorsAreDocumentedWithTheirCodes() throws {
            guard case .object(let errors)? = schema.document["components"]?["errors"] else { throw TestFailure("no components.errors") }
            let codes = Dictionary(uniqueKeysWithValues: errors.compactMap { member in member.value["code"].map { (member.key, $0) } })
            #expect(codes["ServerBusy"] == -32000)
            #expect(codes["NotFound"] == -32001)
            #expect(codes["Conflict"] == -32002)
            #expect(codes["StorageUnavailable"] == -32003)
            #expect(codes["InvalidParams"] == -32602)
        }

        /// The NUL pattern must refuse NUL and nothing else, or the property test's generator could make no id.
        @Test func idsMayHoldAnyCharacterButNUL() {
            let id: JSON = ["$ref": "#/components/schemas/Id"]
            #expect(schema.validator.validate("é😀\u{1}\n\u{FEFF}x", against: id, at: "id") == [])
            for text in ["\u{0}", "a\u{0}", "\u{0}b"] {
                #expect(schema.validator.validate(.string(text), against: id, at: "id").count == 1, "\(text.debugDescription)")
            }
        }

        /// The daemon embeds its resource `Sources/MetricsDaemon/openrpc.json`; were that a copy instead of the
        /// symlink, the schema could be edited without the daemon following.
        @Test func theDaemonsResourceIsThisFile() throws {
            let root = try OpenRPCSchema.packageRoot()
            let resource = root.appendingPathComponent("Sources/MetricsDaemon/openrpc.json")
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: resource.path) == "../../Schemas/openrpc.json")
            #expect(resource.resolvingSymlinksInPath() == root.appendingPathComponent("Schemas/openrpc.json").resolvingSymlinksInPath())
        }
    }
}
