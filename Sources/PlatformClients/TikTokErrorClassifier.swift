#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Turns TikTok's `{"data":…,"error":{"code","message","log_id"}}` envelope (and its OAuth endpoint's flat
/// `{"error","error_description"}`) into what the engine does about it (platform-apis.md §4).
public enum TikTokErrorClassifier {
    struct Envelope: Decodable {
        struct Body: Decodable {
            var code: String
            var message: String?
            var log_id: String?
        }
        var error: Body?
    }

    /// nil when the envelope says `ok`.
    public static func classify(code: String, message: String, status: Int) -> PlatformError.Kind? {
        switch code {
        case "ok":
            return nil
        case "access_token_invalid":
            return .tokenInvalid(.init(reason: .expired, code: code, message: message))
        case "scope_not_authorized":
            return .tokenInvalid(.init(reason: .needsReconnect, code: code, message: message))
        case "rate_limit_exceeded":
            // Per endpoint, per app: the whole app backs off that endpoint. No retry-after header is documented.
            return .rateLimited(scope: .app, retryAfterSeconds: nil, code: code)
        case "internal_error":
            return .transient(code: code, message: message)
        case "scope_permission_missed", "invalid_params":
            return .invalidRequest(code: code, message: message)
        default:
            return status >= 500 ? .transient(code: code, message: message) : .invalidRequest(code: code, message: message)
        }
    }

    /// Classifies a non-ok answer from its body; unparseable bodies fall back on the HTTP status.
    static func classify(status: Int, body: [UInt8]) -> PlatformError.Kind {
        if let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(body)), let error = envelope.error,
           let kind = classify(code: error.code, message: error.message ?? "", status: status) {
            return kind
        }
        switch status {
        case 429: return .rateLimited(scope: .app, retryAfterSeconds: nil, code: "http_429")
        case 500...: return .transient(code: "http_\(status)", message: "HTTP \(status)")
        case 401: return .tokenInvalid(.init(reason: .expired, code: "http_401", message: "HTTP 401"))
        default: return .malformed("HTTP \(status) with a body that is not a TikTok error envelope")
        }
    }
}
