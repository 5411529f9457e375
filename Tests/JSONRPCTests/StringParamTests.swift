import JSON
import JSONRPC
import Testing

/// What a string param may be, in the terms the schema states it: bounds count characters (Unicode code
/// points), as JSON Schema's `maxLength` does, so a client that validates against `maxLength: 256` is never
/// refused for an id of 256 emoji; and U+0000 is refused, as the schema's pattern says, because the store
/// would give such a string back cut short.
@Suite struct StringParamTests {
    static func fields(_ value: String) -> Fields {
        Fields(object: ["id": .string(value), "ids": [.string(value)]])
    }

    @Test func aBoundIsInCodePointsNotBytes() throws {
        let emoji = String(repeating: "😀", count: 4)  // 4 code points, 16 UTF-8 bytes, 8 UTF-16 units
        #expect(try Self.fields(emoji).string("id", maxLength: 4) == emoji)
        #expect(try Self.fields(emoji).strings("ids", maxCount: 1, maxLength: 4) == [emoji])
        let combined = "e\u{301}"  // one grapheme, two code points: JSON Schema counts two
        #expect(throws: RPCError.self) { try Self.fields(combined).string("id", maxLength: 1) }
    }

    @Test func oneCodePointTooManyIsNamed() throws {
        let long = String(repeating: "é", count: 5)
        do {
            _ = try Self.fields(long).string("id", maxLength: 4)
            Issue.record("5 characters passed a bound of 4")
        } catch {
            #expect(error.code == -32602)
            #expect(error.data?["field"] == "id")
            #expect(error.data?["reason"] == "longer than 4 characters")
        }
        #expect(throws: RPCError.self) { try Self.fields(long).strings("ids", maxCount: 1, maxLength: 4) }
    }

    @Test func nulIsRefusedAnywhereInAString() throws {
        for text in ["\u{0}", "a\u{0}", "\u{0}b", "a\u{0}b"] {
            #expect(throws: RPCError.self, "\(text.debugDescription)") { try Self.fields(text).optionalString("id") }
            #expect(throws: RPCError.self, "\(text.debugDescription)") { try Self.fields(text).strings("ids", maxCount: 1) }
        }
        #expect(try Self.fields("a\u{1}\u{7F}b").string("id") == "a\u{1}\u{7F}b", "other control characters are stored whole")
    }
}
