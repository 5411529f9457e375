/// A bound on platform calls in flight, per platform.
///
/// What must be bounded is concurrent HTTP calls (connections, memory), not accounts: an account spends most
/// of a run waiting for its own rate, and a cap on accounts would leave later ones queued behind sleepers
/// (measured: 2x the minimum time under per-account limits). So every account runs, and each call takes a
/// slot only for the moment it is on the wire.
actor CallSlots {
    private let limit: Int
    private var inUse = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    func acquire() async {
        if inUse < limit {
            inUse += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Hands the slot to the longest waiter, or frees it.
    func release() {
        if waiting.isEmpty {
            inUse -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }

}
