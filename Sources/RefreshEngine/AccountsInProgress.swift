import Synchronization

/// The accounts the running refreshes still have work for: entered by a run for all its accounts before any
/// starts, and left as each one finishes, so the figure never dips while a run is only getting going.
///
/// The planner skips these accounts (a run already has them), an operator's gauge shows how many there are, and a
/// test on virtual time waits for them: when every account with work left is asleep on the clock, nothing can
/// happen until the clock moves.
final class AccountsInProgress: Sendable {
    /// Account id → how many runs have it (two runs over overlapping scopes may both).
    private let accounts = Mutex<[String: Int]>([:])
    private let total = Atomic<Int>(0)

    /// Held by a run that has started but not yet read which accounts it covers (no account id is empty).
    static let placeholder = ""

    func enter<Ids: Sequence<String>>(_ ids: Ids) {
        var entered = 0
        accounts.withLock { table in
            for id in ids {
                table[id, default: 0] += 1
                entered += 1
            }
        }
        total.add(entered, ordering: .relaxed)
    }

    func leave(_ id: String) {
        accounts.withLock { table in
            guard let runs = table[id] else { return }
            table[id] = runs > 1 ? runs - 1 : nil
        }
        total.subtract(1, ordering: .relaxed)
    }

    func contains(_ id: String) -> Bool {
        accounts.withLock { $0[id] != nil }
    }

    var count: Int {
        total.load(ordering: .relaxed)
    }
}
