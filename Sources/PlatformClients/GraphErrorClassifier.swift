#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Turns a Graph API error answer into what the engine does about it (the table in platform-apis.md §1).
///
/// Pure, so every row of the table is tested on Meta's real bodies without a socket. The order matters: #4 has
/// `is_transient: true` but is a throttle, and #100 means "unsupported metric" only when the message talks about
/// a metric (subcode 33 is a missing object; other #100s are bad requests).
public enum GraphErrorClassifier {
    /// - Parameters:
    ///   - requestedMetrics: the insights metrics the call asked for, or nil when it asked for none.
    ///   - objectID: the account the call was for, to pick its regain time out of the usage header.
    public static func classify(
        status: Int, body: [UInt8], usage: PlatformUsage, requestedMetrics: [String]?, objectID: String?
    ) -> PlatformError.Kind {
        guard let envelope = try? JSONDecoder().decode(GraphErrorEnvelope.self, from: Data(body)) else {
            if status >= 500 { return .transient(code: "http_\(status)", message: "HTTP \(status) without an error body") }
            if status == 429 { return .rateLimited(scope: .app, retryAfterSeconds: nil, code: "http_429") }
            return .malformed("HTTP \(status) with a body that is not a Graph API error")
        }
        return classify(envelope.error, status: status, usage: usage, requestedMetrics: requestedMetrics, objectID: objectID)
    }

    static func classify(
        _ error: GraphErrorEnvelope.Body, status: Int, usage: PlatformUsage, requestedMetrics: [String]?,
        objectID: String?
    ) -> PlatformError.Kind {
        let code = error.code ?? 0
        let message = error.message ?? ""
        let codeText = String(code)
        switch code {
        case 4:
            return .rateLimited(scope: .app, retryAfterSeconds: usage.regainAccessSeconds(), code: codeText)
        case 17, 32, 613, 80001, 80002, 80003, 80004, 80005, 80006, 80008, 80009, 80014:
            let retryAfter = usage.regainAccessSeconds(for: objectID) ?? usage.regainAccessSeconds()
            return .rateLimited(scope: .account, retryAfterSeconds: retryAfter, code: codeText)
        case 190:
            let reason: PlatformError.TokenFailure.Reason = switch error.error_subcode {
            case 463: .expired
            case 458, 459, 460, 464, 467, 492, 493: .needsReconnect
            default: .invalid
            }
            return .tokenInvalid(.init(reason: reason, code: codeText, subcode: error.error_subcode, message: message))
        case 102, 104:
            return .tokenInvalid(.init(reason: .invalid, code: codeText, subcode: error.error_subcode, message: message))
        case 10, 200...299:
            return .skipPost(reason: .permission, code: codeText, message: message)
        case 100:
            if error.error_subcode == 33 {
                return .skipPost(reason: .notFound, code: codeText, message: message)
            }
            if error.error_subcode == 2_108_006 {
                // Media posted before the account became a business account: it will never have insights.
                return .skipPost(reason: .permission, code: codeText, message: message)
            }
            if let requestedMetrics, message.lowercased().contains("metric") {
                if let names = unsupportedMetricNames(in: message) {
                    return .unsupportedMetric(names: names, identified: true, message: message)
                }
                return .unsupportedMetric(names: requestedMetrics, identified: false, message: message)
            }
            return .invalidRequest(code: codeText, message: message)
        case 1, 2:
            return .transient(code: codeText, message: message)
        default:
            if error.is_transient == true || status >= 500 {
                return .transient(code: codeText, message: message)
            }
            return .invalidRequest(code: codeText, message: message)
        }
    }

    /// The metric names a #100 message names, if it names any:
    /// "(#100) The Media Insights API does not support the impressions, replies metric for this media product type."
    /// or "… the impressions metric is no longer supported …".
    public static func unsupportedMetricNames(in message: String) -> [String]? {
        let patterns: [(String, String)] = [
            ("does not support the ", " metric"),
            ("the ", " metric is no longer supported"),
            ("the ", " metrics are no longer supported"),
        ]
        for (prefix, suffix) in patterns {
            guard let end = message.firstRange(of: suffix) else { continue }
            let head = message[..<end.lowerBound]
            guard let start = head.ranges(of: prefix).last else { continue }
            let names = head[start.upperBound...]
                .split(separator: ",")
                .map { String($0.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()) }
                .map { $0.hasPrefix("and ") ? String($0.dropFirst(4)) : $0 }
                .filter { !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } }
            if !names.isEmpty { return names }
        }
        return nil
    }
}
