import Logging
import StorageContract

/// Which endpoints this daemon delivers when several share the database: the ones it leases (`claimWebhooks`), so
/// each endpoint is delivered by one member at a time, in order, from its one stored position.
///
/// The deliverer asks at every look (`WebhookDeliverer.lookInterval`, 5 s), which renews the leases; a lease lasts
/// three looks, so one slow or failed look does not hand an endpoint over, and a member that died gives its
/// endpoints up within 15 s (or as soon as its cluster liveness lapses). A look that cannot reach the database owns
/// nothing: the loops stop (they could not read the log either) and resume from the stored position when it is back.
struct WebhookLeases: WebhookOwnership {
    let store: any ClusterStorage
    let memberId: String
    let logger: Logger

    static let leaseMilliseconds: Int64 = 3 * 5_000

    func own(_ ids: [String]) async -> Set<String> {
        do {
            return try await store.claimWebhooks(memberId: memberId, webhookIds: ids, leaseMilliseconds: Self.leaseMilliseconds)
        } catch {
            logger.warning("cannot lease webhook endpoints; not delivering until the next look", metadata: ["error": "\(failureSentence(error))"])
            return []
        }
    }

    func releaseAll() async {
        try? await store.releaseWebhooks(memberId: memberId)
    }
}
