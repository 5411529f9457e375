import Synchronization

/// A nudge from the webhook methods to the deliverer: an endpoint was added, changed, re-enabled or deleted, so its
/// loops are brought in line now rather than at the next periodic look. Nudges that come while one is pending
/// merge into it.
final class WebhookChanges: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    /// One consumer (the deliverer); a second `changes()` would split the nudges between them.
    private let taken = Mutex(false)

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func changed() {
        continuation.yield()
    }

    func changes() -> AsyncStream<Void> {
        precondition(!taken.withLock { taken in defer { taken = true }; return taken }, "one deliverer listens")
        return stream
    }
}
