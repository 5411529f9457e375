import JSON
import Logging
import MetricsCore
import StorageContract
import Synchronization
import Telemetry

/// One per daemon: reads each committed event from the log once, renders it once, and keeps the newest
/// `--subscription-buffer` in one ring that every subscription reads through a cursor of its own.
///
/// It never waits for a subscriber: a refresh's commit only advances the store's watermark, this tail reads the new
/// events after it, and a subscriber that does not keep up is left behind by the ring (and told so), never the
/// other way round. The log stays the truth: the ring is only what is still in memory.
final class EventFanout: Sendable {
    /// A rendered event and what subscriptions filter on.
    struct Entry: Sendable {
        let type: EventType
        let workspaceId: String?
        let postId: String?
        /// The event object's JSON, as notifications embed it.
        let json: [UInt8]

        init(_ event: Event) {
            type = event.type
            workspaceId = event.workspaceId
            postId = event.postId
            json = JSONWriter.serialize(event.json)
        }
    }

    /// Events read from the log per store read.
    static let pageSize = 1_000

    let store: any MetricsStorage
    /// The newest seq in the ring: what subscriptions wait on.
    let ringed: EventWatermark
    private let ring: Mutex<EventRing<Entry>>
    private let telemetry: EventTelemetry
    private let logger: Logger

    init(store: any MetricsStorage, capacity: Int, telemetry: EventTelemetry, logger: Logger) {
        let last = store.eventsCommitted.last
        self.store = store
        self.ring = Mutex(EventRing(capacity: max(capacity, 1), after: last))
        self.ringed = EventWatermark(last: last)
        self.telemetry = telemetry
        self.logger = logger
    }

    func read(after cursor: Int64, limit: Int) -> EventRing<Entry>.Read {
        ring.withLock { $0.read(after: cursor, limit: limit) }
    }

    /// Follows the log until cancelled: each commit's events into the ring, in seq order.
    func run() async {
        var last = ring.withLock { $0.lastSeq }
        let backoff = Backoff(initialMilliseconds: 50, maximumMilliseconds: 2_000, maximumRetries: .max)
        var failures = 0
        while !Task.isCancelled {
            if store.eventsCommitted.last <= last {
                _ = await store.eventsCommitted.wait(beyond: last)
                continue
            }
            do {
                let page = try await store.events(fromSeq: last + 1, filter: .everything, limit: Self.pageSize)
                failures = 0
                guard let newest = page.events.last?.seq else {
                    // Announced but not there yet for this reader: wait for the next announcement rather than spin.
                    _ = await store.eventsCommitted.wait(beyond: store.eventsCommitted.last)
                    continue
                }
                let entries = page.events.map { ($0.seq, Entry($0)) }
                ring.withLock { ring in
                    for (seq, entry) in entries { ring.append(seq: seq, entry) }
                }
                for event in page.events { telemetry.eventWritten(type: event.type.rawValue) }
                last = newest
                ringed.advance(to: last)
            } catch let expired as EventsExpired {
                // Retention outran this reader (a daemon stopped for longer than the log is kept, say): carry on
                // from what is kept; subscribers behind the jump are told they lagged.
                logger.warning("event log expired before it was read", metadata: ["resumingAt": "\(expired.oldestSeq)"])
                last = expired.oldestSeq - 1
            } catch {
                failures += 1
                if failures == 1 {
                    logger.warning("cannot read the event log", metadata: ["error": "\(failureSentence(error))"])
                }
                let delay = backoff.delay(beforeRetry: failures - 1, unitRandom: Double.random(in: 0..<1)) ?? 2_000
                try? await Task.sleep(for: .milliseconds(delay))
            }
        }
    }
}
