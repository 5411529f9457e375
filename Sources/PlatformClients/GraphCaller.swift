import AsyncHTTPClient
import MetricsCore
import NIOHTTP1

/// One Graph API GET: send it, and turn any non-2xx answer into a classified `PlatformError` carrying the
/// answer's usage headers. Shared by the Instagram and Facebook clients, which differ only in paths and payloads.
struct GraphCaller: Sendable {
    let transport: PlatformTransport
    let platform: Platform

    /// - Parameters:
    ///   - requestedMetrics: the insights metrics in the request, so a #100 can be classified as unsupported metric.
    ///   - objectID: the account the call is for, to read its regain time out of the usage header.
    func get(
        endpoint: String, url: String, accessToken: String, requestedMetrics: [String]? = nil, objectID: String? = nil
    ) async throws(PlatformError) -> PlatformTransport.Answer {
        let answer = try await transport.send(
            platform: platform, endpoint: endpoint, method: .GET, url: url, secrets: [accessToken])
        guard (200..<300).contains(answer.status) else {
            let kind = GraphErrorClassifier.classify(
                status: answer.status, body: answer.body, usage: answer.usage, requestedMetrics: requestedMetrics,
                objectID: objectID)
            throw transport.refused(PlatformError(
                platform: platform, kind: kind.redacting([accessToken]), usage: answer.usage, httpStatus: answer.status))
        }
        return answer
    }
}

extension PlatformError.Kind {
    /// The same kind with `secrets` blanked out of its message, in case a platform ever echoes a token.
    func redacting(_ secrets: [String]) -> PlatformError.Kind {
        func clean(_ text: String) -> String { PlatformTransport.redact(text, secrets: secrets) }
        switch self {
        case .tokenInvalid(var failure):
            failure.message = clean(failure.message)
            return .tokenInvalid(failure)
        case .unsupportedMetric(let names, let identified, let message):
            return .unsupportedMetric(names: names, identified: identified, message: clean(message))
        case .skipPost(let reason, let code, let message):
            return .skipPost(reason: reason, code: code, message: clean(message))
        case .transient(let code, let message):
            return .transient(code: code, message: clean(message))
        case .malformed(let message):
            return .malformed(clean(message))
        case .invalidRequest(let code, let message):
            return .invalidRequest(code: code, message: clean(message))
        case .rateLimited, .cancelled:
            return self
        }
    }
}
