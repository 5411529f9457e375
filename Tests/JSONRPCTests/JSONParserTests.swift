import JSON
import JSONRPC
import Testing

@Suite struct JSONParserTests {
    @Test func parsesEveryKindAndRoundTripsCompactly() throws {
        let text = #"{"a":[1,-2.5e3,true,false,null],"b":{"c":"d\n\"é😀"},"e":{}}"#
        let value = try JSONParser.parse(text)
        #expect(value["a"] == [1, .number(try #require(JSONParser.parse("-2.5e3").numberValue)), true, false, nil])
        #expect(value["b"]?["c"] == .string("d\n\"é😀"))
        #expect(JSONWriter.string(value) == text)
    }

    @Test func numbersKeepTheirLiteral() throws {
        for literal in ["1.0", "12345678901234567890", "-0", "1e400", "0.1"] {
            let value = try JSONParser.parse(literal)
            #expect(JSONWriter.string(value) == literal)
        }
        #expect(try JSONParser.parse("3.0").numberValue?.int64 == 3)
        #expect(try JSONParser.parse("3.5").numberValue?.int64 == nil)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "'x'", "NaN", "01", "1.", ".5", "-", "1e", "\"\u{01}\"", "\"\\x\"",
        "\"\\ud800\"", "[1] [2]", "tru", "{\"a\" 1}", "{1:2}",
    ])
    func rejectsInvalidJSON(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test func decodesEscapesIncludingSurrogatePairs() throws {
        #expect(try JSONParser.parse(#""\u00e9\ud83d\ude00\/\b\f\t""#) == .string("é😀/\u{08}\u{0C}\t"))
    }

    @Test func capsNestingDepthInsteadOfOverflowingTheStack() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let error = try #require(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        #expect(error.reason.contains("nesting"))
        #expect(try JSONParser.parse(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)) != .null)
    }

    @Test func writerEscapesControlCharacters() {
        #expect(JSONWriter.string(.string("a\u{01}b\"\\\r")) == #""a\u0001b\"\\\r""#)
    }
}

extension JSON {
    var numberValue: JSONNumber? {
        if case .number(let number) = self { number } else { nil }
    }
}
