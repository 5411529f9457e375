import ArgumentParser
import Foundation
import MetricsCore

/// How webhook deliveries are retried.
struct WebhookOptions: ParsableArguments {
    @Option(help: "Waits before each retry of a failed webhook delivery, on the daemon's clock, comma-separated (90s, 15m, 6h, 7d, 500ms); after the last the endpoint is disabled. (default: 5s,5m,30m,2h,5h,10h,10h, each ±20 %)")
    var webhookRetryDelays: String?

    /// The schedule the flag gives, or nil when it was not given.
    func retrySchedule() throws -> WebhookRetrySchedule? {
        guard let text = webhookRetryDelays else { return nil }
        if text.isEmpty { return WebhookRetrySchedule(delaysMilliseconds: []) }
        var delays: [Int64] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let part = part.trimmingCharacters(in: .whitespaces)
            let milliseconds = part.hasSuffix("ms") ? Int64(part.dropLast(2)).flatMap { $0 >= 0 ? $0 : nil } : DurationText.parse(part)
            guard let milliseconds else {
                throw ValidationError("--webhook-retry-delays: \"\(part)\" is not a duration (90s, 15m, 6h, 7d, 500ms)")
            }
            delays.append(milliseconds)
        }
        guard delays.count <= 100 else { throw ValidationError("--webhook-retry-delays: at most 100 retries") }
        return WebhookRetrySchedule(delaysMilliseconds: delays)
    }
}
