import JSON
import MetricsCore
import NIOHTTP1

/// A Graph API error, shaped like Meta's: `{"error":{"message","type","code","error_subcode","fbtrace_id",…}}`.
///
/// The messages are Meta's own wording, because clients (ours and others') parse them: the #100 message is the
/// only place Instagram names the metric it refused.
struct GraphError: Error, Sendable {
    var code: Int
    var subcode: Int?
    var type = "OAuthException"
    var message: String
    var status: HTTPResponseStatus = .badRequest
    var isTransient = false
    var userTitle: String?
    var userMessage: String?
    var headers: [(String, String)] = []

    func response(traceID: String) -> SimulatedResponse {
        var json = JSONWriter(reservingCapacity: 256)
        json.beginObject()
        json.key("error")
        json.beginObject()
        json.field("message", message)
        json.field("type", type)
        json.field("code", code)
        if let subcode { json.field("error_subcode", subcode) }
        json.field("is_transient", isTransient)
        if let userTitle { json.field("error_user_title", userTitle) }
        if let userMessage { json.field("error_user_msg", userMessage) }
        json.field("fbtrace_id", traceID)
        json.endObject()
        json.endObject()
        var response = SimulatedResponse(status: status, json: json)
        response.headers = headers
        return response
    }

    // MARK: Tokens

    static let missingToken = GraphError(
        code: 104, message: "An access token is required to request this resource.")

    static let unparseableToken = GraphError(
        code: 190, message: "Invalid OAuth access token - Cannot parse access token")

    static func expiredToken(expiredAt: Timestamp, now: Timestamp) -> GraphError {
        let message = "Error validating access token: Session has expired on \(GraphTime.sessionMessage(expiredAt))."
            + " The current time is \(GraphTime.sessionMessage(now))."
        return GraphError(
            code: 190, subcode: 463, message: message,
            userTitle: "Session has expired", userMessage: "Your session has expired. Please log in again.",
            headers: [("WWW-Authenticate", "OAuth \"Facebook Platform\" \"invalid_token\" \"\(message)\"")])
    }

    // MARK: Objects and permissions

    static func objectNotFound(_ id: String) -> GraphError {
        GraphError(
            code: 100, subcode: 33, type: "GraphMethodException",
            message: "Unsupported get request. Object with ID '\(id)' does not exist, cannot be loaded due to missing"
                + " permissions, or does not support this operation. Please read the Graph API documentation at"
                + " https://developers.facebook.com/docs/graph-api")
    }

    static let notEnoughViewers = GraphError(
        code: 10, message: "(#10) Not enough viewers for the media to show insights",
        userTitle: "Not enough viewers", userMessage: "There are not enough viewers for this media to show insights.")

    static func unknownPath(_ path: Substring) -> GraphError {
        GraphError(code: 2500, message: "Unknown path components: \(path)")
    }

    static func invalidParameter(_ message: String) -> GraphError {
        GraphError(code: 100, message: "(#100) \(message)")
    }

    // MARK: Insights

    static func unsupportedInstagramMetrics(_ names: [String]) -> GraphError {
        GraphError(
            code: 100,
            message: "(#100) The Media Insights API does not support the \(names.joined(separator: ", ")) metric"
                + " for this media product type.")
    }

    static let invalidInsightsMetric = GraphError(code: 100, message: "(#100) The value must be a valid insights metric")

    // MARK: Limits and transient failures

    static func limit(code: Int, status: HTTPResponseStatus) -> GraphError {
        let message = switch code {
        case 4: "(#4) Application request limit reached"
        case 17: "(#17) User request limit reached"
        case 32: "(#32) Page request limit reached"
        case 613: "(#613) Calls to this api have exceeded the rate limit."
        case 80001: "(#80001) There have been too many calls to this Page account. Wait a bit and try again."
        case 80002: "(#80002) There have been too many calls to this Instagram account. Wait a bit and try again."
        default: "(#\(code)) Request limit reached"
        }
        return GraphError(code: code, message: message, status: status, isTransient: code == 4)
    }

    static let unexpected = GraphError(
        code: 2, message: "An unexpected error has occurred. Please retry your request later.",
        status: .internalServerError, isTransient: true)

    /// Builds the error a scripted fault names, with Meta's wording for the codes it knows.
    static func scripted(code: Int, subcode: Int?, httpStatus: Int, message: String?) -> GraphError {
        let status = HTTPResponseStatus(statusCode: httpStatus)
        var error: GraphError = switch code {
        case 4, 17, 32, 613, 80001, 80002: limit(code: code, status: status)
        case 1: GraphError(code: 1, message: "Please reduce the amount of data you're asking for, then retry your request", isTransient: true)
        case 2: unexpected
        case 10: notEnoughViewers
        case 190: GraphError(code: 190, message: "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.")
        case 200...299: GraphError(code: code, message: "(#\(code)) Permissions error")
        default: GraphError(code: code, message: "(#\(code)) Simulated error")
        }
        error.subcode = subcode ?? error.subcode
        error.status = status
        if let message { error.message = message }
        return error
    }
}
