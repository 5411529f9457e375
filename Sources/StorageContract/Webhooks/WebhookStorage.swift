import MetricsCore

/// Webhook endpoints, their signing secrets, and their deliveries, as each backend keeps them.
///
/// An endpoint's `position` is the next seq to deliver, persisted with each delivery in the same transaction as its
/// record, so a restart (or a `kill -9`) resumes where delivery stood: only an attempt in flight may repeat.
public protocol WebhookStorage: Sendable {
    /// Creates the endpoint with `secret`, or updates its URL, types and workspace; either way it is enabled.
    ///
    /// - A new endpoint starts with the first event committed after it: its position is the last committed seq + 1,
    ///   read in the same transaction as the insert.
    /// - An existing one keeps its position (a disabled endpoint re-enabled resumes where it stopped), and its
    ///   secret unless `replaceSecret` (`rotateSecret`), when `secret` replaces it.
    /// - An unknown `workspaceId` is `notFound`.
    func upsertWebhook(_ registration: WebhookRegistration, secret: String, replaceSecret: Bool) async throws -> Upsert

    /// Every endpoint, by id.
    func listWebhooks() async throws -> [WebhookEndpoint]
    func webhook(id: String) async throws -> WebhookEndpoint?
    /// Deletes the endpoint and its delivery records; an unknown id is `notFound`.
    func deleteWebhook(id: String) async throws
    /// The endpoint's signing secret (`whsec_…`), for its deliverer only; nil for an unknown id.
    func webhookSecret(id: String) async throws -> String?

    /// Records an attempt (or a gap) and, in the same transaction, moves the endpoint's position to `position` when
    /// given (never backwards) and disables it with `disabledReason` when given. False, and nothing written, when
    /// the endpoint no longer exists or was changed since `expectedVersion` (deleted, or upserted meanwhile: its
    /// new deliverer owns it now). Keeps the newest `WebhookStorageLimits.deliveriesKept` records per endpoint.
    @discardableResult
    func recordWebhookAttempt(
        webhookId: String, expectedVersion: Int64, _ attempt: WebhookAttempt, position: Int64?, disabledReason: String?
    ) async throws -> Bool

    /// Moves the position past events the endpoint's filter skipped (never backwards), so a restart does not read
    /// them again. False when the endpoint is gone or was changed since `expectedVersion`.
    @discardableResult
    func advanceWebhook(id: String, expectedVersion: Int64, to position: Int64) async throws -> Bool

    /// The endpoint's newest records first, at most `limit`; an unknown id is `notFound`.
    func webhookDeliveries(id: String, limit: Int) async throws -> [WebhookAttempt]
}

public enum WebhookStorageLimits {
    /// Delivery records kept per endpoint: a day of retries many times over, and a bounded table.
    public static let deliveriesKept = 1_000
}
