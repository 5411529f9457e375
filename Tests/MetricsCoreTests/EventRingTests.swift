import MetricsCore
import Testing

/// The subscribers' shared buffer and its lag rule, exactly.
@Suite struct EventRingTests {
    func seqs(_ read: EventRing<String>.Read) -> [Int64]? {
        if case .entries(let entries) = read { entries.map(\.seq) } else { nil }
    }

    @Test func aCursorReadsWhatFollowsItInOrderUpToTheLimit() {
        var ring = EventRing<String>(capacity: 4, after: 10)
        #expect(ring.oldestSeq == 11 && ring.count == 0)
        guard case .caughtUp = ring.read(after: 10, limit: 10) else { Issue.record("an empty ring has nothing"); return }
        for seq in Int64(11)...13 { ring.append(seq: seq, "e\(seq)") }
        #expect(seqs(ring.read(after: 10, limit: 10)) == [11, 12, 13])
        #expect(seqs(ring.read(after: 11, limit: 1)) == [12])
        if case .entries(let entries) = ring.read(after: 12, limit: 5) { #expect(entries.map(\.element) == ["e13"]) }
        guard case .caughtUp = ring.read(after: 13, limit: 5) else { Issue.record("caught up at the newest"); return }
        // A cursor ahead of the ring (it read the durable log further than the ring has got) waits too.
        guard case .caughtUp = ring.read(after: 20, limit: 5) else { Issue.record("ahead waits"); return }
    }

    @Test func theNewestReplaceTheOldestAndACursorLeftBehindIsToldWhereTheRingStarts() {
        var ring = EventRing<String>(capacity: 3, after: 0)
        for seq in Int64(1)...5 { ring.append(seq: seq, "e\(seq)") }
        #expect(ring.oldestSeq == 3 && ring.lastSeq == 5 && ring.count == 3)
        #expect(seqs(ring.read(after: 2, limit: 10)) == [3, 4, 5], "the cursor just before the oldest is still served")
        guard case .behind(let oldest) = ring.read(after: 1, limit: 10) else { Issue.record("seq 2 is gone"); return }
        #expect(oldest == 3)
    }

    @Test func aJumpInSeqsEmptiesTheRingSoNoCursorReadsAcrossTheGap() {
        var ring = EventRing<String>(capacity: 8, after: 0)
        ring.append(seq: 1, "e1")
        ring.append(seq: 5, "e5")
        #expect(ring.oldestSeq == 5 && ring.count == 1)
        guard case .behind(let oldest) = ring.read(after: 1, limit: 10) else { Issue.record("2…4 were never held"); return }
        #expect(oldest == 5)
        #expect(seqs(ring.read(after: 4, limit: 10)) == [5])
    }
}
