/// How a post stands with the refresh, as `listPosts` shows it.
///
/// - `paused`: it cannot be refreshed now: its account is not connected (expired, needs reconnect, disconnected:
///   until the account is registered again), or it has no external id yet;
/// - `failing`: its last `failingAfter` attempts or more failed in a row; it is still retried, at its band's interval;
/// - `due`: its due time has come (it waits for the planner, or for budget);
/// - `ok`: refreshed, next due later, or outside the window (never due).
public enum RefreshState: String, Sendable, Hashable, CaseIterable {
    case ok, due, failing, paused

    public static func of(
        accountStatus: AccountStatus, hasExternalId: Bool, consecutiveFailures: Int, nextDueAt: Timestamp?, now: Timestamp,
        failures: FailureBackoff
    ) -> RefreshState {
        if accountStatus != .connected || !hasExternalId { return .paused }
        if failures.isFailing(consecutiveFailures: consecutiveFailures) { return .failing }
        if let nextDueAt, nextDueAt <= now { return .due }
        return .ok
    }
}
