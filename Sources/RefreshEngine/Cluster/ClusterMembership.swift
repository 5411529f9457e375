import Logging
import MetricsCore
import StorageContract
import Synchronization

/// This daemon's place in a cluster of daemons sharing one database: every tick it records itself alive, renews
/// its account leases, claims or gives back accounts towards its even share, hands its app-wide pauses to the
/// others and takes theirs, and sizes its part of each platform's app budget (`ClusterShare`).
///
/// The planner plans only accounts this daemon holds (`holds`). A hold is trusted only while the lease behind it
/// is: a tick that cannot reach the database leaves the holds standing until the lease would have lapsed, then
/// drops them, since another daemon may have claimed those accounts by then.
public final class ClusterMembership: Sendable {
    public let member: ClusterMember
    let store: any ClusterStorage
    let leaseMilliseconds: Int64
    private let state = Mutex<State>(State())

    private struct State {
        var held: Set<String> = []
        /// Until when (this process's monotonic clock) the holds are trusted: a lease after the last good tick.
        var trustedUntil: ContinuousClock.Instant?
        var liveMembers = 1

        func isTrusted(at now: ContinuousClock.Instant) -> Bool {
            trustedUntil.map { now < $0 } ?? false
        }
    }

    init(member: ClusterMember, store: any ClusterStorage, leaseMilliseconds: Int64) {
        self.member = member
        self.store = store
        self.leaseMilliseconds = leaseMilliseconds
    }

    /// How often a member ticks: three renewals per lease, so one slow or failed tick does not lose it.
    var tickInterval: Duration { .milliseconds(max(100, leaseMilliseconds / 3)) }

    /// Whether this daemon holds `accountId` now.
    public func holds(_ accountId: String) -> Bool {
        state.withLock { $0.isTrusted(at: ContinuousClock.now) && $0.held.contains(accountId) }
    }

    /// The accounts held now (empty once the holds are no longer trusted).
    public var held: Set<String> {
        state.withLock { $0.isTrusted(at: ContinuousClock.now) ? $0.held : [] }
    }

    /// Members alive at the last good tick, this one included.
    public var liveMembers: Int { state.withLock { $0.liveMembers } }

    /// One tick (see the type's comment).
    func tick(context: EngineContext) async throws {
        let started = ContinuousClock.now
        for (platform, until) in await context.coordinator.takeUnsharedAppPauses() {
            try await store.shareAppPause(platform: platform, until: until)
        }
        let view = try await store.clusterTick(member: member, leaseMilliseconds: leaseMilliseconds)
        let busy = view.held.filter(context.accountsInProgress.contains)
        let share = ClusterShare(view: view, busy: Set(busy))
        var held = view.held
        var platforms = view.heldPlatforms
        if !share.release.isEmpty {
            try await store.releaseAccounts(memberId: member.id, accountIds: share.release)
            held.subtract(share.release)
            share.release.forEach { platforms[$0] = nil }
        }
        if share.claim > 0 {
            let claimed = try await store.claimAccounts(memberId: member.id, limit: share.claim, leaseMilliseconds: leaseMilliseconds)
            held.formUnion(claimed.keys)
            platforms.merge(claimed) { _, new in new }
        }
        // The budget follows what is held after this tick's claims and releases, not before.
        let fractions = ClusterShare.appFractions(held: platforms, connected: view.connectedByPlatform, members: max(1, view.liveMembers))
        await context.coordinator.joinCluster(appFractions: fractions, pauses: view.appPauses)
        let trustedUntil = started.advanced(by: .milliseconds(leaseMilliseconds))
        state.withLock { state in
            state.held = held
            state.trustedUntil = trustedUntil
            state.liveMembers = view.liveMembers
        }
    }

    /// Leaves the cluster, so the others claim this daemon's accounts at their next tick rather than after a lease.
    func leave() async {
        state.withLock { $0 = State() }
        try? await store.leaveCluster(memberId: member.id)
    }
}
