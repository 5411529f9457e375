import JSON
import JSONRPC
import Logging
import MetricsDaemon
import Testing

@Suite struct JSONLogLineTests {
    static func render(_ metadata: Logger.Metadata, error: (any Error)? = nil) -> String {
        String(decoding: JSONLogLine.render(
            time: "2026-11-24T19:04:00.123Z", level: .info, label: "metricsd.refresh", message: "refresh run \"started\"",
            source: "RefreshEngine", error: error, metadata: metadata), as: UTF8.self)
    }

    @Test func oneObjectOnOneLineWithTheFixedKeysFirstAndTheMetadataSorted() {
        let line = Self.render(["run": "7", "account": "ig1", "platform": .stringConvertible(42)])
        #expect(line == #"{"time":"2026-11-24T19:04:00.123Z","level":"info","label":"metricsd.refresh","message":"refresh run \"started\"","source":"RefreshEngine","account":"ig1","platform":"42","run":"7"}"# + "\n")
    }

    @Test func nestedMetadataStaysStructuredAndNewlinesAreEscaped() throws {
        let line = Self.render(["scope": ["kind": "all", "ids": ["a", "b"]], "error": "two\nlines", "message": "mine"])
        #expect(line.filter { $0 == "\n" }.count == 1)
        let object = try JSONParser.parse(line)
        #expect(object["scope"] == ["ids": ["a", "b"], "kind": "all"])
        #expect(object["error"] == "two\nlines")
        // A metadata key that is a fixed key's name does not overwrite it.
        #expect(object["metadata.message"] == "mine")
        #expect(object["message"] == "refresh run \"started\"")
    }

    @Test func anEventsErrorIsWrittenAsItsDescriptionBesideAnErrorInTheMetadata() throws {
        struct Failure: Error, CustomStringConvertible { var description: String { "disk full" } }
        let object = try JSONParser.parse(Self.render(["error": "earlier"], error: Failure()))
        #expect(object["error"] == "disk full")
        #expect(object["metadata.error"] == "earlier")
    }
}
