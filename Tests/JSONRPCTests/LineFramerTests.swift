import JSONRPC
import Testing

@Suite struct LineFramerTests {
    private func lines(_ chunks: [String], limit: Int = 64, finish: Bool = false) -> [LineFramer.Event] {
        var framer = LineFramer(maximumLineLength: limit)
        var events: [LineFramer.Event] = []
        for chunk in chunks {
            framer.feed(Array(chunk.utf8)) { events.append($0) }
        }
        if finish {
            framer.finish { events.append($0) }
        }
        return events
    }

    private func line(_ text: String) -> LineFramer.Event { .line(Array(text.utf8)) }

    @Test func splitsSeveralLinesInOneRead() {
        #expect(lines(["a\nbb\n\nccc\n"]) == [line("a"), line("bb"), line(""), line("ccc")])
    }

    @Test func joinsALineSplitAcrossReads() {
        #expect(lines(["{\"a\"", ":1", "}\n{"]) == [line("{\"a\":1}")])
    }

    @Test func aLastLineWithoutNewlineCountsAtEOF() {
        #expect(lines(["x\ny"], finish: true) == [line("x"), line("y")])
        #expect(lines(["x\n"], finish: true) == [line("x")])
    }

    @Test func aLineAtTheLimitPassesAndOneByteMoreFails() {
        let exact = String(repeating: "a", count: 8)
        #expect(lines([exact + "\n"], limit: 8) == [line(exact)])
        #expect(lines([exact + "a\nnext\n"], limit: 8) == [.tooLong(limit: 8)])
    }

    @Test func anOverlongLineIsDetectedBeforeItsNewlineArrives() {
        // The cap bounds memory: the framer must not wait for `\n` to notice.
        #expect(lines(["aaaa", "aaaa", "a"], limit: 8) == [.tooLong(limit: 8)])
    }

    @Test func nothingIsEmittedAfterTooLong() {
        #expect(lines(["aaaaaaaaaaaa", "\nb\n"], limit: 8, finish: true) == [.tooLong(limit: 8)])
    }
}
