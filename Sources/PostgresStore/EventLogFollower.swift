import Logging
import MetricsCore
import PostgresNIO
import StorageContract
import Synchronization

/// How a daemon hears of what every daemon of the cluster commits: it `LISTEN`s on `metricsd_events` on a
/// connection of its own (not the pool's: a pooled connection is lent out and taken back), and each numbering
/// round's notification moves its watermark (waking its subscribers and webhooks) and drops the posts whose
/// snapshots the round numbered from its latest-snapshot cache. The log stays the truth: a notification only says
/// where to read up to, and a sweep each `sweepInterval` reads `last_seq` too (a lost notification costs at most
/// that) and numbers what a daemon that died after its commit left unnumbered.
///
/// The cache is used only while the daemon listens: from the moment a `LISTEN` is in place (the cache starts empty
/// then) until its connection fails (the cache is emptied and bypassed until the next `LISTEN`).
struct EventLogFollower: Sendable {
    static let sweepInterval: Duration = .milliseconds(500)

    /// Parses a notification's "first-last".
    static func range(_ payload: String) -> ClosedRange<Int64>? {
        let parts = payload.split(separator: "-")
        guard parts.count == 2, let first = Int64(parts[0]), let last = Int64(parts[1]), first <= last else { return nil }
        return first...last
    }
}

extension PostgresStore {
    /// Listens until cancelled, reconnecting with backoff while the server is away.
    func followEventLog() async {
        let backoff = Backoff(initialMilliseconds: 100, maximumMilliseconds: 5_000, maximumRetries: .max)
        var failures = 0
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: configuration.connectionConfiguration(options), id: 1, logger: logger)
                do {
                    try await listen(on: connection) { failures = 0 }
                    Self.close(connection)
                } catch {
                    Self.close(connection)
                    throw error
                }
            } catch {
                if Task.isCancelled { break }
                stopListening()
                failures += 1
                if failures == 1 || failures % 20 == 0 {
                    logger.warning(
                        "not listening to the event log; other daemons' events and snapshots are read from the database until it is",
                        metadata: ["reason": "\(PostgresUnavailability.reason(error) ?? failureSentence(PostgresFailure.wrapping(error)))"])
                }
            }
            stopListening()
            let delay = backoff.delay(beforeRetry: max(failures - 1, 0), unitRandom: Double.random(in: 0..<1)) ?? 5_000
            try? await Task.sleep(for: .milliseconds(delay))
        }
        stopListening()
    }

    /// Closes the listening connection without waiting for it here: an awaited close of a connection whose `LISTEN`
    /// was just cancelled is suspected of never returning (a daemon's shutdown stuck on this store in
    /// `ClusterShutdownTests`, exit 3, with every pool connection closed). The task keeps the connection until it is
    /// closed: postgres-nio traps when a connection is released open.
    private static func close(_ connection: PostgresConnection) {
        Task { try? await connection.close() }
    }

    /// Follows the notifications on `connection`. Each one moves the watermark at once; the cache is told which
    /// posts changed by a second task, which reads them for every range heard since its last read in one query: a
    /// read per notification, in line, was measured to fall seconds behind three daemons refreshing at full speed
    /// (150 rounds a second), and the watermark with it.
    private func listen(on connection: PostgresConnection, listening: () -> Void) async throws {
        let logger = self.logger
        try await connection.listen(on: EventsSchema.channel) { notifications in
            // From here every round is notified: read where the log is, then follow the notifications.
            let last = try await connection.first("SELECT last_seq FROM event_log", logger) { try $0.next(Int64.self) } ?? 0
            startListening()
            listening()
            eventsCommitted.advance(to: last)
            // What the notifications said, as a mark the invalidating task waits on.
            let heard = EventWatermark(last: last)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var invalidated = last
                    while !Task.isCancelled {
                        let upTo = await heard.wait(beyond: invalidated)
                        guard upTo > invalidated else { continue }
                        await self.invalidateSnapshots(numbered: (invalidated + 1)...upTo)
                        invalidated = upTo
                    }
                }
                defer { group.cancelAll() }
                for try await notification in notifications {
                    guard let range = EventLogFollower.range(notification.payload) else {
                        logger.warning("unreadable event log notification", metadata: ["payload": "\(notification.payload)"])
                        continue
                    }
                    eventsCommitted.advance(to: range.upperBound)
                    heard.advance(to: range.upperBound)
                }
            }
        }
    }

    /// Drops from the cache the posts whose snapshots these seqs are; an import (one event for a whole backfill, which
    /// may bring a newer point for any post) empties it, and so does a read that fails (what changed is not known).
    private func invalidateSnapshots(numbered range: ClosedRange<Int64>) async {
        let logger = self.logger
        do {
            let posts = try await withConnection { connection in
                try await connection.all("""
                    SELECT DISTINCT coalesce(p.id, '') FROM events e
                    LEFT JOIN LATERAL (SELECT id FROM posts WHERE key = e.post_key AND e.type = \(Int16(EventType.snapshot.code)) LIMIT 1) p ON true
                    WHERE e.seq BETWEEN \(range.lowerBound) AND \(range.upperBound)
                      AND e.type IN (\(Int16(EventType.snapshot.code)), \(Int16(EventType.import.code)))
                    """, logger) { try $0.next(String.self) }
            }
            if posts.contains("") {
                latestCache.invalidateAll()
            } else if !posts.isEmpty {
                latestCache.invalidate(posts)
            }
        } catch {
            latestCache.invalidateAll()
        }
    }

    /// Every `sweepInterval` until cancelled: numbers events left unnumbered and catches up with the log's end.
    func sweepEventLog() async {
        let logger = self.logger
        while !Task.isCancelled {
            try? await Task.sleep(for: EventLogFollower.sweepInterval)
            guard isReady else { continue }
            do {
                let (last, unnumbered) = try await withConnection { connection in
                    try await connection.first(
                        "SELECT last_seq, EXISTS (SELECT 1 FROM events WHERE seq IS NULL) FROM event_log", logger
                    ) { row in (try row.next(Int64.self), try row.next(Bool.self)) } ?? (0, false)
                }
                eventsCommitted.advance(to: last)
                // A round of its own, not a turn among the writers' (`numberEvents`): at shutdown the sweep is
                // cancelled and must not wait for a round another task runs.
                if unnumbered { try await numberCommittedEvents() }
            } catch {
                // The store reports the outage to callers and `health`; the sweep simply tries again.
                continue
            }
        }
    }
}
