import Synchronization

/// How many accounts of the running refreshes have work left: counted up by a run for all its accounts before any
/// starts, and down as each one finishes, so the figure never dips while a run is only getting going.
///
/// What an operator's gauge shows, and what a test on virtual time waits for: when every account with work left is
/// asleep on the clock, nothing can happen until the clock moves.
final class AccountsInProgress: Sendable {
    private let count = Atomic<Int>(0)

    func add(_ accounts: Int) {
        count.add(accounts, ordering: .relaxed)
    }

    func finished() {
        count.subtract(1, ordering: .relaxed)
    }

    var value: Int {
        count.load(ordering: .relaxed)
    }
}
