import Crypto
import Logging
import MetricsCore
import StorageContract
import Telemetry

/// Delivers one endpoint's events, at least once and in seq order, until it is cancelled (the endpoint changed or
/// went, or shutdown) or it disables the endpoint.
///
/// It reads the log from the endpoint's persisted position with the endpoint's filter and, having caught up, waits
/// on the store's commit watermark rather than polling. Each event is POSTed until the decision
/// (`WebhookDeliveryDecision`) says delivered or disable; between attempts it sleeps on the daemon's clock
/// (`WebhookRetrySchedule`). A delivery and the position past it are recorded in one transaction, so after a crash
/// only the attempt in flight may be sent again. A position retention has overtaken is recorded as a `gap`, and
/// delivery resumes from the oldest event kept.
///
/// Each attempt is signed anew with the wall clock's seconds (`webhook-timestamp`): a receiver's replay window
/// is about real time, whatever the daemon's clock is sped to.
struct WebhookEndpointLoop: Sendable {
    let endpoint: WebhookEndpoint
    let secret: String
    let store: any WebhookStorage & EventStorage
    let transport: any WebhookTransport
    let configuration: WebhookConfiguration
    /// The daemon's clock: retry waits and record times.
    let clock: any WallClock
    /// Real time, for `webhook-timestamp`.
    let wallClock: any WallClock
    let telemetry: WebhookTelemetry
    let logger: Logger
    /// The jitter's draw, in [0, 1).
    let unitRandom: @Sendable () -> Double

    /// Delivery records read at start to resume the retries of the event at the position: more than a schedule's
    /// attempts (the newest come first).
    static let recordsReadAtStart = 100

    /// How long to wait before reading again after the store failed (real time: it protects the database, not the model).
    static let storeRetryDelay: Duration = .seconds(1)

    func run() async {
        let key: SymmetricKey
        do {
            key = try WebhookSignature.key(fromSecret: secret)
        } catch {
            _ = try? await store.recordWebhookAttempt(
                webhookId: endpoint.id, expectedVersion: endpoint.version,
                WebhookAttempt(
                    seq: endpoint.position, eventId: "", attempt: 0, at: clock.now, statusCode: nil, error: error.sentence,
                    outcome: .disabled, durationMs: 0),
                position: nil, disabledReason: error.sentence)
            return
        }
        var position = endpoint.position
        // The event at the position may have failed before a restart: its retries go on from where they stood.
        var resumed = (try? await store.webhookDeliveries(id: endpoint.id, limit: Self.recordsReadAtStart))
            .map { WebhookAttempt.failedAttempts(ofSeq: position, in: $0) } ?? 0
        while !Task.isCancelled {
            do {
                let page: EventPage
                do {
                    page = try await store.events(fromSeq: position, filter: endpoint.filter, limit: configuration.pageSize)
                } catch let expired as EventsExpired {
                    guard try await recordGap(from: position, to: expired.oldestSeq) else { return }
                    position = expired.oldestSeq
                    continue
                }
                for event in page.events {
                    let retriesDone = event.seq == endpoint.position ? resumed : 0
                    resumed = 0
                    guard try await deliver(event, key: key, retriesDone: retriesDone) else { return }
                    position = event.seq + 1
                }
                if page.nextSeq > position {
                    // Events this endpoint does not take: stepped over once, not read again after a restart.
                    guard try await store.advanceWebhook(id: endpoint.id, expectedVersion: endpoint.version, to: page.nextSeq) else { return }
                    position = page.nextSeq
                }
                if page.events.isEmpty {
                    _ = await store.eventsCommitted.wait(beyond: position - 1)
                }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "webhook delivery cannot read or write the store; trying again",
                    metadata: ["webhook": "\(endpoint.id)", "error": "\(failureSentence(error))"])
                try? await Task.sleep(for: Self.storeRetryDelay)
            }
        }
    }

    /// POSTs `event` until it is delivered (true) or the endpoint is disabled or changed meanwhile (false);
    /// `retriesDone` of its retries were made before (by this endpoint's deliverer before a restart).
    private func deliver(_ event: Event, key: SymmetricKey, retriesDone: Int) async throws -> Bool {
        let body = WebhookPayload.body(of: event)
        var retries = retriesDone
        while true {
            try Task.checkCancellation()
            let timestamp = wallClock.now.milliseconds / 1000
            let headers = [
                ("content-type", "application/json"), ("webhook-id", event.id), ("webhook-timestamp", String(timestamp)),
                ("webhook-signature", WebhookSignature.header(key: key, id: event.id, timestamp: timestamp, body: body)),
            ]
            let started = ContinuousClock.now
            let result = await transport.post(url: endpoint.url, headers: headers, body: body)
            let elapsed = ContinuousClock.now - started
            // Shutdown or a change of the endpoint cut the request short: not the receiver's failure, nothing to record.
            try Task.checkCancellation()
            let decision = WebhookDeliveryDecision.after(
                result, retriesDone: retries, schedule: configuration.retrySchedule, unitRandom: unitRandom())
            var attempt = WebhookAttempt(
                seq: event.seq, eventId: event.id, attempt: retries + 1, at: clock.now, statusCode: result.statusCode,
                error: result.problem, outcome: .delivered, durationMs: elapsed.milliseconds)
            switch decision {
            case .delivered:
                telemetry.recorded(.delivered, duration: elapsed)
                return try await store.recordWebhookAttempt(
                    webhookId: endpoint.id, expectedVersion: endpoint.version, attempt, position: event.seq + 1, disabledReason: nil)
            case .retry(let wait):
                attempt.outcome = .failed
                telemetry.recorded(.failed, duration: elapsed)
                guard try await store.recordWebhookAttempt(
                    webhookId: endpoint.id, expectedVersion: endpoint.version, attempt, position: nil, disabledReason: nil)
                else { return false }
                try await clock.sleep(milliseconds: wait)
                retries += 1
            case .disable(let reason):
                attempt.outcome = .disabled
                attempt.error = reason
                telemetry.recorded(.disabled, duration: elapsed)
                logger.notice(
                    "webhook endpoint disabled", metadata: ["webhook": "\(endpoint.id)", "seq": "\(event.seq)", "reason": "\(reason)"])
                _ = try await store.recordWebhookAttempt(
                    webhookId: endpoint.id, expectedVersion: endpoint.version, attempt, position: nil, disabledReason: reason)
                return false
            }
        }
    }

    /// Retention deleted `from..<to` before they were delivered: said once, in the endpoint's records.
    private func recordGap(from: Int64, to oldest: Int64) async throws -> Bool {
        telemetry.recorded(.gap, duration: nil)
        logger.warning(
            "webhook endpoint fell behind the event log", metadata: ["webhook": "\(endpoint.id)", "from": "\(from)", "oldest": "\(oldest)"])
        return try await store.recordWebhookAttempt(
            webhookId: endpoint.id, expectedVersion: endpoint.version,
            WebhookAttempt(
                seq: oldest, eventId: "", attempt: 0, at: clock.now, statusCode: nil,
                error: "events \(from)–\(oldest - 1) were deleted by retention before they could be delivered; resuming at \(oldest)",
                outcome: .gap, durationMs: 0),
            position: oldest, disabledReason: nil)
    }
}

extension Duration {
    /// Whole milliseconds, for records.
    fileprivate var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
