import JSON
import NIOHTTP1

/// A TikTok v2 error: the usual envelope with empty `data` and `error.code` other than `ok`.
struct TikTokError: Sendable {
    var code: String
    var message: String
    var status: HTTPResponseStatus

    func response(logID: String) -> SimulatedResponse {
        var json = JSONWriter(reservingCapacity: 192)
        json.beginObject()
        json.key("data")
        json.beginObject()
        json.endObject()
        json.key("error")
        json.beginObject()
        json.field("code", code)
        json.field("message", message)
        json.field("log_id", logID)
        json.endObject()
        json.endObject()
        return SimulatedResponse(status: status, json: json)
    }

    static let accessTokenInvalid = TikTokError(
        code: "access_token_invalid", message: "The access token is invalid or not found in the request.",
        status: .unauthorized)

    static let scopeNotAuthorized = TikTokError(
        code: "scope_not_authorized",
        message: "The user did not authorize the scope required for completing this request.", status: .unauthorized)

    static let rateLimitExceeded = TikTokError(
        code: "rate_limit_exceeded", message: "API rate limit exceeded, please retry later.",
        status: .tooManyRequests)

    static let internalError = TikTokError(
        code: "internal_error", message: "Something went wrong. Please try again later.",
        status: .internalServerError)

    static func invalidParams(_ message: String) -> TikTokError {
        TikTokError(code: "invalid_params", message: message, status: .badRequest)
    }

    static let notFound = TikTokError(code: "not_found", message: "The requested path was not found.", status: .notFound)

    static func scripted(code: String, httpStatus: Int) -> TikTokError {
        let known: TikTokError? = switch code {
        case "access_token_invalid": .accessTokenInvalid
        case "scope_not_authorized": .scopeNotAuthorized
        case "rate_limit_exceeded": .rateLimitExceeded
        case "internal_error": .internalError
        case "scope_permission_missed":
            TikTokError(code: code, message: "The user did not grant the permission required.", status: .badRequest)
        default: nil
        }
        var error = known ?? TikTokError(code: code, message: "Simulated error \(code).", status: .badRequest)
        error.status = HTTPResponseStatus(statusCode: httpStatus)
        return error
    }
}
