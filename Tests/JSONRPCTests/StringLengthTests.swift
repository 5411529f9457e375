import JSONRPC
import Testing

/// String bounds count characters (Unicode code points), as JSON Schema's `maxLength` does: a client that
/// validates against the schema's `maxLength: 256` must never be refused for an id of 256 emoji.
@Suite struct StringLengthTests {
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
}
