/// A read of the event log from a seq retention has deleted: the reader lost what lay between, and is told where
/// the log now starts (`oldestSeq`) rather than given a silent gap.
public struct EventsExpired: Error, Sendable, Equatable, CustomStringConvertible {
    public var requestedSeq: Int64
    /// The oldest seq the log still holds (what a reader may resume from, accepting the loss).
    public var oldestSeq: Int64

    public init(requestedSeq: Int64, oldestSeq: Int64) {
        self.requestedSeq = requestedSeq
        self.oldestSeq = oldestSeq
    }

    public var description: String {
        "events before seq \(oldestSeq) are no longer kept (asked from \(requestedSeq))"
    }
}
