import JSON
import Logging
import MetricsCore
@testable import MetricsDaemon
import StorageContract
import Synchronization
import Telemetry
import Testing

/// The delivery loop against an in-memory log and endpoint and a scripted transport, on a manual clock: the order,
/// the retry waits on the daemon's clock, disabling, positions, gaps, and filtered events stepped over.
@Suite(.timeLimit(.minutes(1))) struct WebhookEndpointLoopTests {
    /// A log and one endpoint, in memory: what the loop reads and writes.
    final class MemoryStore: WebhookStorage, EventStorage, Sendable {
        struct State {
            var events: [Event] = []
            var oldestKept: Int64 = 1
            var endpoint: WebhookEndpoint
            var attempts: [WebhookAttempt] = []
        }

        let state: Mutex<State>
        let eventsCommitted = EventWatermark()

        init(endpoint: WebhookEndpoint) {
            state = Mutex(State(endpoint: endpoint))
        }

        func append(_ type: EventType, workspaceId: String? = "w1") {
            let seq = state.withLock { state -> Int64 in
                let seq = Int64(state.events.count + 1)
                state.events.append(Event(
                    seq: seq, id: "evt_\(seq)", type: type, at: Timestamp(milliseconds: seq * 1000), workspaceId: workspaceId, postId: nil,
                    data: ["n": .int(seq)]))
                return seq
            }
            eventsCommitted.advance(to: seq)
        }

        var endpoint: WebhookEndpoint { state.withLock { $0.endpoint } }
        var attempts: [WebhookAttempt] { state.withLock { $0.attempts } }

        func events(fromSeq: Int64, filter: EventFilter, limit: Int) async throws -> EventPage {
            try state.withLock { state in
                if fromSeq < state.oldestKept { throw EventsExpired(requestedSeq: fromSeq, oldestSeq: state.oldestKept) }
                let candidates = state.events.filter { $0.seq >= fromSeq && $0.seq >= state.oldestKept }
                let page = Array(candidates.filter(filter.admits).prefix(limit))
                let nextSeq = page.count == limit ? page[page.count - 1].seq + 1 : Int64(state.events.count + 1)
                return EventPage(events: page, nextSeq: max(nextSeq, fromSeq))
            }
        }

        func eventLogBounds() async throws -> EventLogBounds {
            state.withLock { EventLogBounds(oldestSeq: $0.events.isEmpty ? nil : $0.oldestKept, lastSeq: Int64($0.events.count)) }
        }
        func upsertMilestones(workspaceId: String, metric: String, thresholds: [Int64]) async throws -> Upsert { .created }
        func milestoneRules(workspaceId: String) async throws -> [String: [Int64]] { [:] }
        func recordAnomalies(workspaceId: String, day: Int64, flagged: [AnomalyEventFacts], at: Timestamp) async throws -> Bool { false }

        func upsertWebhook(_ registration: WebhookRegistration, secret: String, replaceSecret: Bool) async throws -> Upsert { .updated }
        func listWebhooks() async throws -> [WebhookEndpoint] { [endpoint] }
        func webhook(id: String) async throws -> WebhookEndpoint? { endpoint }
        func deleteWebhook(id: String) async throws {}
        func webhookSecret(id: String) async throws -> String? { WebhookEndpointLoopTests.secret }

        func recordWebhookAttempt(
            webhookId: String, expectedVersion: Int64, _ attempt: WebhookAttempt, position: Int64?, disabledReason: String?
        ) async throws -> Bool {
            state.withLock { state in
                guard state.endpoint.version == expectedVersion else { return false }
                state.attempts.append(attempt)
                if let position { state.endpoint.position = max(state.endpoint.position, position) }
                if let disabledReason {
                    state.endpoint.enabled = false
                    state.endpoint.disabledReason = disabledReason
                }
                return true
            }
        }

        func advanceWebhook(id: String, expectedVersion: Int64, to position: Int64) async throws -> Bool {
            state.withLock { state in
                guard state.endpoint.version == expectedVersion else { return false }
                state.endpoint.position = max(state.endpoint.position, position)
                return true
            }
        }

        func webhookDeliveries(id: String, limit: Int) async throws -> [WebhookAttempt] { attempts.reversed() }
    }

    /// Answers from a script, one result per request in order (the last repeated), and keeps what it was sent.
    final class ScriptedTransport: WebhookTransport, Sendable {
        let script: [WebhookAttemptResult]
        let sent = Mutex<[(headers: [String: String], body: [UInt8])]>([])

        init(_ script: [WebhookAttemptResult]) {
            self.script = script
        }

        var seqs: [Int64] {
            sent.withLock { $0 }.compactMap { request in
                if case .number(let n)? = (try? JSONParser.parse(request.body))?["seq"] { n.int64 } else { nil }
            }
        }

        func post(url: String, headers: [(String, String)], body: [UInt8]) async -> WebhookAttemptResult {
            let index = sent.withLock { sent in
                sent.append((Dictionary(headers, uniquingKeysWith: { $1 }), body))
                return sent.count - 1
            }
            return script[min(index, script.count - 1)]
        }
    }

    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    static func endpoint(position: Int64 = 1, types: Set<EventType>? = nil, workspaceId: String? = nil) -> WebhookEndpoint {
        WebhookEndpoint(
            id: "hook", url: "http://127.0.0.1:9/", types: types, workspaceId: workspaceId, enabled: true, disabledReason: nil,
            createdAt: Timestamp(milliseconds: 0), updatedAt: Timestamp(milliseconds: 0), version: 1, position: position)
    }

    /// Runs the loop until `done`, then cancels it.
    static func run(
        _ store: MemoryStore, _ transport: ScriptedTransport, clock: ManualClock = ManualClock(),
        schedule: WebhookRetrySchedule = WebhookRetrySchedule(delaysMilliseconds: [5_000, 60_000]),
        until done: @escaping @Sendable () -> Bool, whileWaiting step: @escaping @Sendable () -> Void = {}
    ) async throws {
        var configuration = WebhookConfiguration()
        configuration.retrySchedule = schedule
        configuration.pageSize = 2
        let loop = WebhookEndpointLoop(
            endpoint: store.endpoint, secret: secret, store: store, transport: transport, configuration: configuration, clock: clock,
            wallClock: ManualClock(now: Timestamp(seconds: 1_614_265_330)), telemetry: Telemetry.disabled.webhooks,
            logger: Logger(label: "test"), unitRandom: { 0.5 })
        let task = Task { await loop.run() }
        defer { task.cancel() }
        while !done() {
            step()
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    @Test func eventsGoInSeqOrderSignedWithTheWallClockAndThePositionFollows() async throws {
        let store = MemoryStore(endpoint: Self.endpoint())
        for _ in 0..<5 { store.append(.snapshot) }
        let transport = ScriptedTransport([.status(204)])
        try await Self.run(store, transport) { store.endpoint.position == 6 }
        #expect(transport.seqs == [1, 2, 3, 4, 5])
        let first = try #require(transport.sent.withLock { $0.first })
        #expect(first.headers["webhook-id"] == "evt_1" && first.headers["webhook-timestamp"] == "1614265330")
        let key = try WebhookSignature.key(fromSecret: Self.secret)
        #expect(first.headers["webhook-signature"] == WebhookSignature.header(key: key, id: "evt_1", timestamp: 1_614_265_330, body: first.body))
        #expect(store.attempts.map(\.outcome) == Array(repeating: .delivered, count: 5))

        // Events committed later are delivered when the watermark moves.
        store.append(.run, workspaceId: nil)
        try await Self.run(store, transport) { store.endpoint.position == 7 }
        #expect(transport.seqs.suffix(1) == [6])
    }

    @Test func aFailureIsRetriedOnTheDaemonsClockBeforeAnythingLaterIsSent() async throws {
        let store = MemoryStore(endpoint: Self.endpoint())
        store.append(.snapshot)
        store.append(.snapshot)
        let transport = ScriptedTransport([.status(500), .timeout, .status(200)])
        let clock = ManualClock()
        let start = clock.now
        try await Self.run(store, transport, clock: clock, until: { store.endpoint.position == 3 }) {
            // Time moves only when the loop sleeps: each retry waits exactly its scheduled delay.
            if let deadline = clock.earliestDeadline { clock.advance(to: deadline) }
        }
        #expect(transport.seqs == [1, 1, 1, 2])
        #expect(store.attempts.map(\.outcome) == [.failed, .failed, .delivered, .delivered])
        #expect(store.attempts.map(\.attempt) == [1, 2, 3, 1])
        #expect(store.attempts.map(\.statusCode) == [500, nil, 200, 200])
        #expect(store.attempts.map(\.error) == ["HTTP status 500", "no answer within the timeout", nil, nil])
        #expect(clock.now.milliseconds(since: start) == 65_000)
    }

    @Test func goneDisablesTheEndpointAndTheLoopStops() async throws {
        let store = MemoryStore(endpoint: Self.endpoint())
        store.append(.snapshot)
        store.append(.snapshot)
        let transport = ScriptedTransport([.status(410)])
        try await Self.run(store, transport) { !store.endpoint.enabled }
        #expect(store.endpoint.disabledReason == "410 Gone: the receiver asked to stop" && store.endpoint.position == 1)
        #expect(store.attempts.map(\.outcome) == [.disabled])
        #expect(transport.seqs == [1])
    }

    @Test func theLastRetryFailingDisablesWithTheReason() async throws {
        let store = MemoryStore(endpoint: Self.endpoint())
        store.append(.snapshot)
        let transport = ScriptedTransport([.connectionFailed("cannot connect to 127.0.0.1:9")])
        let clock = ManualClock()
        try await Self.run(store, transport, clock: clock, until: { !store.endpoint.enabled }) {
            if let deadline = clock.earliestDeadline { clock.advance(to: deadline) }
        }
        #expect(store.endpoint.disabledReason == "cannot connect to 127.0.0.1:9, after 3 attempts")
        #expect(store.attempts.map(\.outcome) == [.failed, .failed, .disabled])
    }

    @Test func aRestartResumesTheRetriesWhereTheyStoodAndTheScheduleStillEnds() async throws {
        let store = MemoryStore(endpoint: Self.endpoint())
        store.append(.snapshot)
        let transport = ScriptedTransport([.status(503)])
        let clock = ManualClock()
        // The first deliverer fails twice (attempts 1 and 2), then stops (a restart) while it waits for the third.
        try await Self.run(store, transport, clock: clock, until: { store.attempts.count == 2 && clock.sleeperCount == 1 }) {
            if store.attempts.count < 2, let deadline = clock.earliestDeadline { clock.advance(to: deadline) }
        }
        #expect(store.attempts.map(\.attempt) == [1, 2])
        // The next one goes on with attempt 3, the schedule's last: the endpoint is disabled, not given three more.
        try await Self.run(store, transport, clock: clock, until: { !store.endpoint.enabled }) {
            if let deadline = clock.earliestDeadline { clock.advance(to: deadline) }
        }
        #expect(store.attempts.map(\.attempt) == [1, 2, 3])
        #expect(store.attempts.map(\.outcome) == [.failed, .failed, .disabled])
        #expect(store.endpoint.disabledReason == "HTTP status 503, after 3 attempts")
        #expect(WebhookAttempt.failedAttempts(ofSeq: 1, in: store.attempts) == 2)
        #expect(WebhookAttempt.failedAttempts(ofSeq: 2, in: store.attempts) == 0)
    }

    @Test func eventsOutsideTheFilterAreSteppedOverAndThePositionPersisted() async throws {
        let store = MemoryStore(endpoint: Self.endpoint(types: [.run], workspaceId: nil))
        for _ in 0..<5 { store.append(.snapshot) }
        store.append(.run, workspaceId: nil)
        store.append(.snapshot)
        let transport = ScriptedTransport([.status(200)])
        try await Self.run(store, transport) { store.endpoint.position == 8 }
        #expect(transport.seqs == [6])
    }

    @Test func aPositionRetentionOvertookIsRecordedAsAGapAndDeliveryGoesOnFromTheOldest() async throws {
        let store = MemoryStore(endpoint: Self.endpoint(position: 2))
        for _ in 0..<6 { store.append(.snapshot) }
        store.state.withLock { $0.oldestKept = 5 }
        let transport = ScriptedTransport([.status(200)])
        try await Self.run(store, transport) { store.endpoint.position == 7 }
        #expect(transport.seqs == [5, 6])
        let gap = try #require(store.attempts.first)
        #expect(gap.outcome == .gap && gap.seq == 5 && gap.statusCode == nil)
        #expect(gap.error == "events 2–4 were deleted by retention before they could be delivered; resuming at 5")
    }

    @Test func aLoopWhoseEndpointChangedStopsAtItsFirstRefusedWrite() async throws {
        let store = MemoryStore(endpoint: Self.endpoint())
        store.append(.snapshot)
        let transport = ScriptedTransport([.status(200)])
        store.state.withLock { $0.endpoint.version = 2 }
        var configuration = WebhookConfiguration()
        configuration.pageSize = 10
        let loop = WebhookEndpointLoop(
            endpoint: Self.endpoint(), secret: Self.secret, store: store, transport: transport, configuration: configuration,
            clock: ManualClock(), wallClock: SystemClock(), telemetry: Telemetry.disabled.webhooks, logger: Logger(label: "test"),
            unitRandom: { 0.5 })
        // It returns by itself: its delivery of seq 1 was refused as of an older version.
        await loop.run()
        #expect(store.attempts.isEmpty && store.endpoint.position == 1)
    }
}
