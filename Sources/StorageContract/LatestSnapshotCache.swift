import MetricsCore
import Synchronization

/// The newest snapshot of recently read posts, in memory: `latestMetrics` for a hot post costs a dictionary
/// look-up instead of a SQLite read transaction (two `fcntl` lock calls on the WAL index and a VM run).
///
/// Measured (scripts/bench/rpc): the SQLite read was a fifth of the daemon's CPU per `latestMetrics` request
/// on one connection, and a single connection's latency grows faster than that CPU on these VMs.
///
/// Correctness rests on two rules, both kept by the store that owns it (`SQLiteStore`):
/// - every write of snapshots calls `invalidate` once its transaction has committed (before the write call
///   returns), so after `importMetrics` or a refresh batch returns, no entry older than it survives;
/// - a read that missed fills the cache only if no invalidation happened since it looked (`generation`), so
///   a read that raced a commit cannot put the older snapshot back afterwards.
/// Nothing else changes what an entry holds: a post's platform is fixed at registration and posts are never
/// deleted. Writers outside this process (a second daemon on the same file, a hand-run `sqlite3`) are not
/// seen until an entry's `lifetime` ends; that bounds how stale such a read can be.
public final class LatestSnapshotCache: Sendable {
    /// What a caller needs to fill after a miss: the generation it saw before reading the database.
    public struct Miss: Sendable {
        let generation: UInt64
    }

    public enum Lookup: Sendable {
        case hit(LatestMetric)
        case miss(Miss)
    }

    private struct Stored {
        var latest: LatestMetric
        var filledAt: Timestamp
    }

    private struct State {
        var entries: [String: Stored] = [:]
        /// Bumped by every invalidation; a fill carrying an older value is refused.
        var generation: UInt64 = 0
    }

    public let capacity: Int
    public let lifetimeMilliseconds: Int64
    private let clock: any WallClock
    private let state = Mutex(State())

    public init(capacity: Int, lifetimeMilliseconds: Int64, clock: any WallClock) {
        precondition(capacity >= 0 && lifetimeMilliseconds >= 0)
        self.capacity = capacity
        self.lifetimeMilliseconds = lifetimeMilliseconds
        self.clock = clock
    }

    /// The cached entry, or the ticket a caller needs to fill the cache after reading the database.
    public func lookup(_ postId: String) -> Lookup {
        let now = clock.now
        return state.withLock { state in
            if let stored = state.entries[postId] {
                let age = now.milliseconds(since: stored.filledAt)
                // A clock that stepped back counts as expired rather than extending the entry's life.
                if age >= 0, age < lifetimeMilliseconds {
                    return .hit(stored.latest)
                }
                state.entries[postId] = nil
            }
            return .miss(Miss(generation: state.generation))
        }
    }

    /// Remembers what a read found, unless an invalidation came in between (the read may predate a commit).
    /// When full, the cache starts over rather than tracking recency: a working set larger than `capacity`
    /// is served from SQLite as before, and the hot posts come back with their next read.
    public func fill(_ latest: LatestMetric, after miss: Miss) {
        guard capacity > 0 else { return }
        let now = clock.now
        state.withLock { state in
            guard state.generation == miss.generation else { return }
            if state.entries.count >= capacity, state.entries[latest.postId] == nil {
                state.entries.removeAll(keepingCapacity: true)
            }
            state.entries[latest.postId] = Stored(latest: latest, filledAt: now)
        }
    }

    /// Forgets these posts' entries; called after a write of their snapshots has committed.
    public func invalidate<Posts: Sequence<String>>(_ postIds: Posts) {
        state.withLock { state in
            state.generation &+= 1
            guard !state.entries.isEmpty else { return }
            for postId in postIds {
                state.entries[postId] = nil
            }
        }
    }

    /// Forgets everything; for writes that may have touched any post.
    public func invalidateAll() {
        state.withLock { state in
            state.generation &+= 1
            state.entries.removeAll(keepingCapacity: true)
        }
    }

    public var count: Int {
        state.withLock { $0.entries.count }
    }
}
