import JSON
import JSONRPC
import MetricsCore
import StorageContract

/// `upsertWebhook`, `listWebhooks`, `deleteWebhook`, `webhookDeliveries`: the endpoints events are POSTed to (admin
/// role: not in `MethodAccess`' reads or writes). Each is params → store → reply; a change nudges the deliverer
/// (`WebhookChanges`) so it takes effect at once.
///
/// An admin limited to workspaces manages only endpoints of its workspaces: it must name one, and others' are
/// absent to it (-32001, as if they did not exist).
enum WebhookMethods {
    static func all(store: any MetricsStorage, changes: WebhookChanges, access: AccessControl) -> [RPCMethod] {
        [
            .task("upsertWebhook", parameters: ["id", "url", "types", "workspaceId", "rotateSecret"]) { fields, context in
                try await UpsertWebhookMethod.call(fields, store: store, changes: changes, caller: access.caller("upsertWebhook", context))
            },
            .task("listWebhooks", parameters: []) { _, context in
                let caller = access.caller("listWebhooks", context)
                let endpoints = try await store.listWebhooks().filter { visible($0, to: caller) }
                return ["webhooks": .array(endpoints.map(json))]
            },
            .task("deleteWebhook", parameters: ["id"]) { fields, context in
                let id = try WireFormat.id(fields, "id")
                try await requireVisible(id, store: store, caller: access.caller("deleteWebhook", context))
                try await store.deleteWebhook(id: id)
                changes.changed()
                return ["id": .string(id), "deleted": true]
            },
            .task("webhookDeliveries", parameters: ["id", "limit"]) { fields, context in
                let id = try WireFormat.id(fields, "id")
                let limit = Int(try fields.optionalInt("limit", in: 1...Int64(WebhookStorageLimits.deliveriesKept)) ?? 50)
                let endpoint = try await requireVisible(id, store: store, caller: access.caller("webhookDeliveries", context))
                let deliveries = try await store.webhookDeliveries(id: id, limit: limit)
                return [
                    "id": .string(id), "enabled": .bool(endpoint.enabled), "disabledReason": .string(endpoint.disabledReason),
                    "nextSeq": .int(endpoint.position), "deliveries": .array(deliveries.map(json)),
                ]
            },
        ]
    }

    /// An endpoint of no workspace receives every workspace's events: only a caller that sees all may see it.
    static func visible(_ endpoint: WebhookEndpoint, to caller: Caller) -> Bool {
        if caller.seesAll { return true }
        guard let workspaceId = endpoint.workspaceId else { return false }
        return caller.allows(workspace: workspaceId)
    }

    @discardableResult
    static func requireVisible(_ id: String, store: any MetricsStorage, caller: Caller) async throws -> WebhookEndpoint {
        guard let endpoint = try await store.webhook(id: id), visible(endpoint, to: caller) else {
            throw StoreError.notFound(.webhook, id: id, input: .webhookId)
        }
        return endpoint
    }

    /// An endpoint as `listWebhooks` shows it; never its secret.
    static func json(_ endpoint: WebhookEndpoint) -> JSON {
        [
            "id": .string(endpoint.id), "url": .string(endpoint.url),
            "types": endpoint.types.map { .array($0.map(\.rawValue).sorted().map(JSON.string)) } ?? .null,
            "workspaceId": .string(endpoint.workspaceId), "enabled": .bool(endpoint.enabled),
            "disabledReason": .string(endpoint.disabledReason), "nextSeq": .int(endpoint.position),
            "createdAt": .string(endpoint.createdAt.iso8601), "updatedAt": .string(endpoint.updatedAt.iso8601),
        ]
    }

    static func json(_ attempt: WebhookAttempt) -> JSON {
        [
            "seq": .int(attempt.seq), "eventId": .string(attempt.eventId), "attempt": .int(attempt.attempt),
            "at": .string(attempt.at.iso8601), "statusCode": .int(attempt.statusCode), "error": .string(attempt.error),
            "outcome": .string(attempt.outcome.rawValue), "durationMs": .int(attempt.durationMs),
        ]
    }
}
