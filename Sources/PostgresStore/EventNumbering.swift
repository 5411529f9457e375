import Logging
import PostgresNIO
import StorageContract
import Synchronization

/// Numbers committed events, one member of the cluster at a time, and says so to every daemon (`EventsSchema`).
///
/// A round is one short transaction: take the `event_log` row's lock (the lease: a second member's round waits for
/// this one to commit, then sees its numbers), give the committed unnumbered events the next seqs in `id` order,
/// move `last_seq`, and `pg_notify` the range. Only rounds wait on that lock, never the write transactions, so the
/// daemons' writes stay as independent as they were. Events another daemon committed and never numbered (it died
/// between the two) are numbered by the next round anywhere, or by the sweep (`EventLogFollower`) within a second.
final class EventNumbering: Sendable {
    /// Events numbered per statement: a round loops until none are left.
    static let batch = 10_000

    private let rounds = Mutex(NumberingRounds<CheckedContinuation<NumberingRounds<Void>.Turn, Never>>())
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// Returns once a round that started after this call has ended: every event committed before the call is then
    /// numbered, unless that round failed (logged; the next round numbers them). `round` numbers what is committed
    /// and unnumbered (`PostgresStore.numberCommittedEvents`); this call runs it, or waits for another caller's.
    func number(_ round: @Sendable () async throws -> Void) async {
        let turn = await withCheckedContinuation { continuation in
            let turn = rounds.withLock { $0.request(continuation) }
            switch turn {
            case .run: continuation.resume(returning: .run)
            case .wait: break
            }
        }
        guard case .run = turn else { return }
        do {
            try await round()
        } catch {
            logger.warning("cannot number the event log; the next round will", metadata: ["error": "\(failureSentence(error))"])
        }
        let (done, runner) = rounds.withLock { $0.roundFinished() }
        for waiter in done { waiter.resume(returning: .wait) }
        runner?.resume(returning: .run)
    }
}

extension PostgresStore {
    /// Numbers what is committed (see `EventNumbering.number`).
    func numberEvents() async {
        await numbering.number { try await self.numberCommittedEvents() }
    }

    /// One numbering round (see `EventNumbering`); advances this daemon's watermark to what it numbered.
    func numberCommittedEvents() async throws {
        let logger = self.logger
        while true {
            let (last, count) = try await transaction { connection in
                // A round takes milliseconds; one that waits longer for another member's is better failed and left to
                // the next (or the sweep) than holding this daemon's writers, or its shutdown, behind a lock.
                try await connection.run("SET LOCAL lock_timeout = '2s'", logger)
                guard let last = try await connection.first(
                    "SELECT last_seq FROM event_log FOR UPDATE", logger, { try $0.next(Int64.self) })
                else { throw PostgresFailure(sqlState: nil, message: "the event_log row is missing") }
                // A statement of its own after the lock: it sees every commit up to the moment the lock was granted.
                // It numbers, moves `last_seq` and notifies the range (delivered when this commits) in one round trip.
                let count = try await connection.first("""
                    WITH pending AS (
                        SELECT id, row_number() OVER (ORDER BY id) AS n FROM events WHERE seq IS NULL ORDER BY id LIMIT \(Int64(EventNumbering.batch))
                    ), numbered AS (
                        UPDATE events e SET seq = \(last) + p.n FROM pending p WHERE e.id = p.id RETURNING 1
                    ), counted AS (
                        SELECT count(*)::int8 AS n FROM numbered
                    ), moved AS (
                        UPDATE event_log SET last_seq = \(last) + counted.n FROM counted WHERE counted.n > 0 RETURNING last_seq
                    )
                    SELECT counted.n, (SELECT pg_notify(\(EventsSchema.channel), \(last + 1)::text || '-' || moved.last_seq::text) FROM moved)::text
                    FROM counted
                    """, logger, { try $0.next(Int64.self) }) ?? 0
                return (last, count)
            }
            if count > 0 { eventsCommitted.advance(to: last + count) }
            if count < EventNumbering.batch { return }
        }
    }
}
