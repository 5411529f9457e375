import MetricsCore
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00.000Z", Int64(0)),
        ("2026-11-24T19:04:00.123Z", Int64(1_795_547_040_123)),
        ("2000-02-29T23:59:59.999Z", Int64(951_868_799_999)),
        ("1969-12-31T23:59:59.999Z", Int64(-1)),
    ])
    func formatsAndParsesExactly(_ text: String, _ milliseconds: Int64) throws {
        #expect(Timestamp(milliseconds: milliseconds).iso8601 == text)
        #expect(Timestamp(iso8601: text)?.milliseconds == milliseconds)
    }

    @Test func acceptsTheZonesAndPrecisionsPlatformsWrite() {
        let expected = Timestamp(iso8601: "2019-09-26T22:36:43.000Z")
        #expect(expected != nil)
        for text in ["2019-09-26T22:36:43+0000", "2019-09-26T22:36:43Z", "2019-09-26T23:36:43+01:00",
                     "2019-09-26T22:36:43.0001Z", "2019-09-26 22:36:43z", "2019-09-26T20:36:43-02:00"]
        {
            #expect(Timestamp(iso8601: text) == expected, "\(text)")
        }
        #expect(Timestamp(iso8601: "2019-09-26T22:36:43.5Z")?.milliseconds == expected.map { $0.milliseconds + 500 })
    }

    @Test(arguments: ["", "yesterday", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-24T24:00:00Z",
                      "2026-11-24T19:04:00", "2026-11-24", "2026-11-24T19:04:00.Z", "2026-11-24T19:04:00Zjunk",
                      "2025-02-29T00:00:00Z"])
    func rejectsWhatIsNotAnInstant(_ text: String) {
        #expect(Timestamp(iso8601: text) == nil)
    }
}

@Suite struct TimestampRangeTests {
    @Test func yearsBeyondFourDigitsAreWrittenInFull() {
        let year10000 = Timestamp(milliseconds: 253_402_300_800_000)  // 10000-01-01T00:00:00Z
        #expect(year10000.iso8601 == "10000-01-01T00:00:00.000Z")
        #expect(Timestamp(milliseconds: 253_402_300_799_999).iso8601 == "9999-12-31T23:59:59.999Z")
    }
}
