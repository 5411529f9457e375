/// Splits a byte stream into `\n`-terminated lines, with a cap on a line's length.
///
/// A pure value type so every framing rule (split reads, several lines in one read, the cap, a last line
/// without a newline at EOF) is tested without sockets; the server feeds it whatever each read delivers.
public struct LineFramer: Sendable {
    public enum Event: Sendable, Equatable {
        /// A complete line, without its `\n` (a trailing `\r` is left to the JSON parser, which skips it).
        case line([UInt8])
        /// The current line grew past the cap: the stream cannot be resynchronised safely, so the owner
        /// answers once and closes.
        case tooLong(limit: Int)
    }

    public let maximumLineLength: Int
    private var pending: [UInt8] = []
    private var failed = false

    public init(maximumLineLength: Int) {
        precondition(maximumLineLength > 0)
        self.maximumLineLength = maximumLineLength
    }

    /// Consumes `bytes`, calling `emit` for each event. After `.tooLong` everything else is ignored.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, emit: (Event) -> Void) {
        guard !failed else { return }
        var start = 0
        while start < bytes.count {
            guard let newline = bytes[start...].firstIndex(of: 0x0A) else {
                pending.append(contentsOf: bytes[start...])
                if pending.count > maximumLineLength {
                    fail(emit)
                }
                return
            }
            let piece = UnsafeRawBufferPointer(rebasing: bytes[start..<newline])
            if pending.count + piece.count > maximumLineLength {
                fail(emit)
                return
            }
            if pending.isEmpty {
                emit(.line(Array(piece)))
            } else {
                pending.append(contentsOf: piece)
                emit(.line(pending))
                pending.removeAll(keepingCapacity: true)
            }
            start = newline + 1
        }
    }

    public mutating func feed(_ bytes: [UInt8], emit: (Event) -> Void) {
        bytes.withUnsafeBytes { feed($0, emit: emit) }
    }

    /// The peer finished sending: a last line without a trailing newline still counts.
    public mutating func finish(emit: (Event) -> Void) {
        guard !failed, !pending.isEmpty else { return }
        emit(.line(pending))
        pending.removeAll()
    }

    private mutating func fail(_ emit: (Event) -> Void) {
        failed = true
        pending = []
        emit(.tooLong(limit: maximumLineLength))
    }
}
