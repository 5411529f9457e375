import MetricsCore

/// What several daemons sharing one database agree on through it, the way job queues on PostgreSQL do (Oban,
/// River, good_job): rows claimed with `FOR UPDATE SKIP LOCKED`, held by leases that lapse unless renewed.
///
/// - Members: each daemon records itself alive (`clusterTick`) every few seconds; one silent for a lease's
///   length is gone.
/// - Account leases: a daemon works on, plans for and rotates the tokens of only the accounts it holds. A lease
///   lapses `leaseMilliseconds` after its last renewal (every tick renews all of a member's leases), so a daemon
///   that dies loses its accounts within that time and the others claim them.
/// - App pauses: a platform's app-wide pause (a rate-limit error or a usage header at the threshold), seen by one
///   daemon, holds for all of them.
/// - Shared runs: `refreshAll`/`refreshWorkspace` over a scope is one run row and one work row per account;
///   whoever holds an account refreshes it (`claimRunWork`) and leaves its part of the report on the work row;
///   the daemon that started the run (or, if it is gone, whoever sweeps) writes the report. Concurrent calls for
///   the same scope on any daemon join the running one.
///
/// Lease times are the database's clock, so daemons on hosts with skewed clocks still agree; due times and
/// deadlines are the daemons' (`Timestamp`s they pass in).
public protocol ClusterStorage: MetricsStorage {
    /// Records `member` alive, renews every lease it holds, and says what the cluster looks like now.
    func clusterTick(member: ClusterMember, leaseMilliseconds: Int64) async throws -> ClusterView

    /// Leases up to `limit` connected accounts that no live member holds (never held, or lapsed), the ones with
    /// the earliest due posts first; rows another member is claiming at the same moment are skipped, not waited for.
    func claimAccounts(memberId: String, limit: Int, leaseMilliseconds: Int64) async throws -> [String: Platform]

    /// Gives these accounts back (rebalancing when members join, or at shutdown).
    func releaseAccounts(memberId: String, accountIds: [String]) async throws

    /// Of `webhookIds`, leases those no live member holds and renews those this member holds; returns every one it
    /// holds now. Each endpoint is delivered by one member at a time; a member that dies loses its endpoints when
    /// its lease or its liveness lapses, whichever first. Nothing before the member's first tick.
    func claimWebhooks(memberId: String, webhookIds: [String], leaseMilliseconds: Int64) async throws -> Set<String>

    /// Gives back every endpoint this member holds (at shutdown: another member takes them over at its next look).
    func releaseWebhooks(memberId: String) async throws

    /// Leaves the cluster: every lease released and the member forgotten, so the others take over at once.
    func leaveCluster(memberId: String) async throws

    /// Pauses `platform`'s app for every member until `until` (never shortens a pause in force).
    func shareAppPause(platform: Platform, until: Timestamp) async throws

    /// Starts a shared run over a scope, one work row per account, or joins the one running for the same `scopeKey`.
    func startSharedRun(_ run: SharedRunRequest) async throws -> SharedRunStart

    /// Claims up to `limit` accounts' work in shared runs: pending work (or work whose claimer's lease lapsed) for
    /// accounts this member holds, or that no live member holds (their lease is taken with it).
    func claimRunWork(memberId: String, limit: Int, leaseMilliseconds: Int64) async throws -> [RunWork]

    /// Records an account's part of a shared run (`detail`: its report entry as JSON), done.
    func finishRunWork(runId: Int64, accountId: String, memberId: String, detail: String) async throws

    /// How far a shared run is.
    func sharedRunState(runId: Int64) async throws -> SharedRunState

    /// Shared runs still `running` whose starter has left the cluster: someone must finish them.
    func orphanedSharedRuns() async throws -> [Int64]
}

/// A daemon in the cluster: a fresh id per process, with where it runs (for operators and logs).
public struct ClusterMember: Sendable, Hashable {
    public var id: String
    public var host: String
    public var pid: Int32

    public init(id: String, host: String, pid: Int32) {
        self.id = id
        self.host = host
        self.pid = pid
    }
}

/// The cluster as one tick saw it.
public struct ClusterView: Sendable, Equatable {
    /// Members alive, this one included.
    public var liveMembers: Int
    /// Connected accounts, whoever holds them.
    public var connectedAccounts: Int
    /// The accounts this member holds (its leases, just renewed).
    public var held: Set<String>
    /// App-wide pauses in force, by platform.
    public var appPauses: [Platform: Timestamp]
    /// The fewest accounts any live member holds (0 for one that holds none); nil when the store cannot say.
    public var fewestHeld: Int?
    /// The platform of each account this member holds, and connected accounts by platform, whoever holds them: what
    /// its share of each platform's app budget follows (`ClusterShare.appFractions`). Empty when the store cannot say.
    public var heldPlatforms: [String: Platform]
    public var connectedByPlatform: [Platform: Int]

    public init(
        liveMembers: Int, connectedAccounts: Int, held: Set<String>, appPauses: [Platform: Timestamp] = [:], fewestHeld: Int? = nil,
        heldPlatforms: [String: Platform] = [:], connectedByPlatform: [Platform: Int] = [:]
    ) {
        self.liveMembers = liveMembers
        self.connectedAccounts = connectedAccounts
        self.held = held
        self.appPauses = appPauses
        self.fewestHeld = fewestHeld
        self.heldPlatforms = heldPlatforms
        self.connectedByPlatform = connectedByPlatform
    }
}

/// A shared run to start (or join).
public struct SharedRunRequest: Sendable, Hashable {
    public var trigger: RefreshTrigger
    /// The scope as the run record stores it (`RefreshScope.json`), and the key runs of the same scope share.
    public var scope: String
    public var scopeKey: String
    public var memberId: String
    public var accountIds: [String]
    /// Which of each account's posts the run covers: posted since, and due by (nil: all).
    public var postedSince: Timestamp
    public var dueAt: Timestamp?
    /// Past this, rate-limited work is deferred to the next run.
    public var deadline: Timestamp
    public var startedAt: Timestamp

    public init(
        trigger: RefreshTrigger, scope: String, scopeKey: String, memberId: String, accountIds: [String], postedSince: Timestamp,
        dueAt: Timestamp?, deadline: Timestamp, startedAt: Timestamp
    ) {
        self.trigger = trigger
        self.scope = scope
        self.scopeKey = scopeKey
        self.memberId = memberId
        self.accountIds = accountIds
        self.postedSince = postedSince
        self.dueAt = dueAt
        self.deadline = deadline
        self.startedAt = startedAt
    }
}

public enum SharedRunStart: Sendable, Hashable {
    case started(runId: Int64)
    /// Another call (on any daemon) is refreshing the same scope: this one waits for that run.
    case joined(runId: Int64)

    public var runId: Int64 {
        switch self {
        case .started(let id), .joined(let id): id
        }
    }
}

/// One account's work in a shared run.
public struct RunWork: Sendable, Hashable {
    public var runId: Int64
    public var accountId: String
    public var postedSince: Timestamp
    public var dueAt: Timestamp?
    public var deadline: Timestamp

    public init(runId: Int64, accountId: String, postedSince: Timestamp, dueAt: Timestamp?, deadline: Timestamp) {
        self.runId = runId
        self.accountId = accountId
        self.postedSince = postedSince
        self.dueAt = dueAt
        self.deadline = deadline
    }
}

/// A shared run's progress: its accounts, the parts of the report done so far, and its record.
public struct SharedRunState: Sendable, Equatable {
    public var accounts: Int
    /// The report entries of the accounts done (JSON), in account order.
    public var details: [String]
    public var status: RefreshRunStatus
    public var trigger: RefreshTrigger
    public var scope: String

    public init(accounts: Int, details: [String], status: RefreshRunStatus, trigger: RefreshTrigger, scope: String) {
        self.accounts = accounts
        self.details = details
        self.status = status
        self.trigger = trigger
        self.scope = scope
    }

    public var isComplete: Bool { details.count >= accounts }
}
