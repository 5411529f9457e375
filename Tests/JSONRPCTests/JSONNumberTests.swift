import JSON
import JSONRPC
import Testing

/// An integer param is read exactly whatever its spelling (JSON Schema's `integer` includes `3.0` and `3e0`),
/// and a number Int64 cannot hold is refused, never rounded to a neighbour.
@Suite struct JSONNumberTests {
    static func int64(_ literal: String) throws -> Int64? {
        try JSONParser.parse(literal).numberValue?.int64
    }

    @Test(arguments: [
        ("3", 3), ("3.0", 3), ("3e0", 3), ("30e-1", 3), ("0.3e1", 3), ("-3.000", -3), ("1E+2", 100), ("-0.0", 0), ("0e99", 0),
        ("9223372036854775807", .max), ("9223372036854775807.0", .max), ("-9223372036854775808", .min),
        ("-922337203685477580.8e1", .min), ("9007199254740993.0", 9_007_199_254_740_993),
    ] as [(String, Int64)])
    func wholeNumbersAreReadExactly(literal: String, value: Int64) throws {
        #expect(try Self.int64(literal) == value)
    }

    @Test(arguments: [
        "3.5", "1e-1", "9223372036854775808", "-9223372036854775809", "9223372036854775807.5", "9.3e18", "1e19", "1e400",
        "1e99999999999999999999", "1.5e-9223372036854775808",
    ])
    func everythingElseIsNoInteger(literal: String) throws {
        #expect(try Self.int64(literal) == nil)
    }
}
