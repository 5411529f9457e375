import PlatformClients
import Testing

@Suite("Usage headers")
struct UsageHeaderParserTests {
    @Test("parses the header values quoted in platform-apis.md")
    func documentedValues() {
        let usage = UsageHeaderParser.parse(
            appUsage: #"{"call_count":28,"total_time":25,"total_cputime":25}"#,
            businessUseCase: #"{"17841400000000001":[{"type":"instagram","call_count":100,"total_cputime":25,"total_time":25,"estimated_time_to_regain_access":19}]}"#)
        #expect(usage.app == .init(callCount: 28, totalTime: 25, totalCPUTime: 25))
        #expect(usage.businessUseCase.count == 1)
        #expect(usage.businessUseCase.first?.objectID == "17841400000000001")
        #expect(usage.businessUseCase.first?.type == "instagram")
        #expect(usage.highestPercent == 100)
        #expect(usage.regainAccessSeconds(for: "17841400000000001") == 19 * 60)
        #expect(usage.regainAccessSeconds(for: "someone-else") == nil)
        #expect(usage.malformedHeaders.isEmpty)
    }

    @Test("several business objects, numbers as strings or fractions")
    func tolerantNumbers() {
        let usage = UsageHeaderParser.parse(
            appUsage: #"{"call_count":"7","total_time":3.6}"#,
            businessUseCase: #"{"b":[{"type":"pages","call_count":5}],"a":[{"type":"instagram","call_count":91,"estimated_time_to_regain_access":0}]}"#)
        #expect(usage.app == .init(callCount: 7, totalTime: 4, totalCPUTime: 0))
        #expect(usage.businessUseCase.map(\.objectID) == ["a", "b"])
        #expect(usage.highestPercent == 91)
        #expect(usage.regainAccessSeconds() == nil)
    }

    @Test("malformed headers are reported, not thrown", arguments: [
        "not json", "{\"call_count\":", "[1,2]", "{\"call_count\":true}",
    ])
    func malformed(_ value: String) {
        let usage = UsageHeaderParser.parse(appUsage: value, businessUseCase: value)
        #expect(usage.app == nil)
        #expect(usage.businessUseCase.isEmpty)
        #expect(usage.malformedHeaders == [UsageHeaderParser.appUsageHeader, UsageHeaderParser.businessUseCaseHeader])
    }

    @Test("absent headers mean no usage")
    func absent() {
        let usage = UsageHeaderParser.parse(appUsage: nil, businessUseCase: nil)
        #expect(usage == PlatformUsage())
        #expect(usage.highestPercent == nil)
    }
}
