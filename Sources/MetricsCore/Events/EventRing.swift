/// The most recent events, held once for every subscriber: `capacity` slots indexed by seq, the newest replacing
/// the oldest. A subscriber is only a cursor (the last seq it was given), so a thousand subscribers cost a thousand
/// integers, and a stalled one holds no memory: the ring moves on without it.
///
/// The lag rule: a cursor the ring has moved past (`cursor + 1 < oldestSeq`) can no longer be served from memory.
/// A live subscriber is then told it lagged, with the last seq it was given, and resumes from the durable log; one
/// still replaying the log reads on from it.
public struct EventRing<Element> {
    public enum Read {
        /// The next entries after the cursor, in seq order (at most the limit asked).
        case entries([(seq: Int64, element: Element)])
        /// Nothing after the cursor yet.
        case caughtUp
        /// The ring no longer holds `cursor + 1`.
        case behind(oldestSeq: Int64)
    }

    public let capacity: Int
    private var slots: [Element?]
    /// The seq of the newest entry (or the seq the ring started after, while it is empty).
    public private(set) var lastSeq: Int64
    public private(set) var count = 0

    /// An empty ring whose first entry will be `seq + 1`.
    public init(capacity: Int, after seq: Int64) {
        precondition(capacity > 0, "a ring holds at least one event")
        self.capacity = capacity
        self.slots = Array(repeating: nil, count: capacity)
        self.lastSeq = seq
    }

    /// The oldest seq held (`lastSeq + 1` while empty: the next to come).
    public var oldestSeq: Int64 { lastSeq - Int64(count) + 1 }

    /// Appends the next seq's entry. A seq that skips ahead (the log lost events the ring never saw: retention
    /// outran a reader of the log) empties the ring first, so a cursor before the jump reads as `behind`.
    public mutating func append(seq: Int64, _ element: Element) {
        precondition(seq > lastSeq, "seqs only increase")
        if seq != lastSeq + 1 {
            slots = Array(repeating: nil, count: capacity)
            count = 0
            lastSeq = seq - 1
        }
        slots[Int(seq % Int64(capacity))] = element
        lastSeq = seq
        count = Swift.min(count + 1, capacity)
    }

    public func read(after cursor: Int64, limit: Int) -> Read {
        if cursor >= lastSeq { return .caughtUp }
        if cursor + 1 < oldestSeq { return .behind(oldestSeq: oldestSeq) }
        let end = Swift.min(lastSeq, cursor + Int64(Swift.max(limit, 1)))
        var entries: [(seq: Int64, element: Element)] = []
        entries.reserveCapacity(Int(end - cursor))
        var seq = cursor + 1
        while seq <= end {
            entries.append((seq, slots[Int(seq % Int64(capacity))]!))
            seq += 1
        }
        return .entries(entries)
    }
}
