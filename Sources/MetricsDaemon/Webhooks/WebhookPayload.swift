import JSON
import StorageContract

/// What an endpoint is POSTed for an event: the Standard Webhooks body, `{type, timestamp, data}`, with the
/// event's `seq` as well, so a receiver can order what it gets and tell a gap (its `webhook-id` is the event's id).
/// `timestamp` is when the event happened (its `at`), not when it was sent: each attempt's time is the
/// `webhook-timestamp` header.
enum WebhookPayload {
    static func body(of event: Event) -> [UInt8] {
        JSONWriter.serialize([
            "type": .string(event.type.rawValue), "timestamp": .string(event.at.iso8601), "data": event.data, "seq": .int(event.seq),
        ])
    }
}
