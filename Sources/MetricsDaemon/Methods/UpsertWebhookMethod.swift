import JSON
import JSONRPC
import MetricsCore
import StorageContract

/// `upsertWebhook {id, url, types?, workspaceId?, rotateSecret?}`: creates an endpoint (with a new signing secret,
/// answered once) or updates one, which also re-enables it from where it stopped. The secret is in the reply only
/// when created or rotated, and nowhere else: not in a log, not in `listWebhooks`.
enum UpsertWebhookMethod {
    static func call(_ fields: Fields, store: any MetricsStorage, changes: WebhookChanges, caller: Caller) async throws -> JSON {
        let id = try WireFormat.id(fields, "id")
        let url = try fields.string("url", maxLength: WebhookURL.maximumLength)
        if let problem = WebhookURL.problem(with: url) {
            throw RPCError.invalidParams(field: "url", reason: problem)
        }
        let types = try self.types(fields)
        let workspaceId = try fields.optionalString("workspaceId", maxLength: WireFormat.maximumIDLength)
        let rotateSecret = try fields.optionalBool("rotateSecret") ?? false
        if let workspaceId {
            try caller.require(workspace: workspaceId)
        } else if !caller.seesAll {
            // An endpoint of no workspace gets every workspace's events.
            throw AccessDenied(method: "upsertWebhook", workspaceId: nil)
        }
        if let existing = try await store.webhook(id: id), !WebhookMethods.visible(existing, to: caller) {
            throw AccessDenied(method: "upsertWebhook", workspaceId: nil)
        }
        let secret = WebhookSecret.generate()
        let outcome = try await store.upsertWebhook(
            WebhookRegistration(id: id, url: url, types: types, workspaceId: workspaceId), secret: secret, replaceSecret: rotateSecret)
        changes.changed()
        var reply: JSONObject = ["id": .string(id), "result": .string(outcome.rawValue)]
        if outcome == .created || rotateSecret { reply.append("secret", .string(secret)) }
        return .object(reply)
    }

    /// The event types to deliver, each a known one; absent or null: every type.
    static func types(_ fields: Fields) throws(RPCError) -> Set<EventType>? {
        guard let elements = try fields.optionalArray("types", maxCount: EventType.allCases.count * 2) else { return nil }
        guard !elements.isEmpty else { throw .invalidParams(field: "types", reason: "must not be empty; omit it for every type") }
        var types: Set<EventType> = []
        for element in elements {
            guard case .string(let name) = element.value, let type = EventType(rawValue: name) else {
                let accepted = EventType.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                throw .invalidParams(field: element.path, reason: "expected one of \(accepted)")
            }
            types.insert(type)
        }
        return types
    }
}
