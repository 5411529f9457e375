import MetricsCore

/// Why a platform call failed, classified into what the refresh engine does about it, with the usage headers of
/// the failing response (a throttled answer is exactly when the engine needs them most).
///
/// Messages come from the platform or the transport and never contain tokens: the clients redact the tokens they
/// sent from anything they put here.
public struct PlatformError: Error, Sendable, Hashable, CustomStringConvertible {
    public var platform: Platform
    public var kind: Kind
    public var usage: PlatformUsage
    /// nil when no HTTP answer arrived (timeout, reset, refused connection).
    public var httpStatus: Int?

    public init(platform: Platform, kind: Kind, usage: PlatformUsage = PlatformUsage(), httpStatus: Int? = nil) {
        self.platform = platform
        self.kind = kind
        self.usage = usage
        self.httpStatus = httpStatus
    }

    public enum Kind: Sendable, Hashable {
        /// Back off: the whole app (Meta #4, TikTok 429) or one account (Meta #17, #32, #613, #80001, #80002).
        /// `retryAfterSeconds` comes from `estimated_time_to_regain_access` when the platform gave one.
        case rateLimited(scope: RateLimitScope, retryAfterSeconds: Int?, code: String)
        /// The token is no good; `TokenFailure.reason` says whether a refresh can help.
        case tokenInvalid(TokenFailure)
        /// Meta #100 for insights metrics. `identified` is true when the names were read out of the message;
        /// otherwise `names` is everything that was requested, so the caller can drop known-retired names or bisect.
        case unsupportedMetric(names: [String], identified: Bool, message: String)
        /// This post cannot be read with this token (permission, gone, or not the owner's): record and move on.
        case skipPost(reason: SkipReason, code: String, message: String)
        /// Worth retrying with backoff: Meta #1/#2, 5xx, TikTok internal_error, timeouts, resets.
        case transient(code: String?, message: String)
        /// The answer could not be understood (not JSON, or not the documented shape).
        case malformed(String)
        /// The request itself was refused (TikTok invalid_params, Meta #100 outside insights, …): don't retry.
        case invalidRequest(code: String, message: String)
        /// The calling task was cancelled.
        case cancelled
    }

    public enum RateLimitScope: String, Sendable, Hashable {
        case app
        case account
    }

    public struct TokenFailure: Sendable, Hashable {
        public enum Reason: String, Sendable, Hashable {
            /// Expired access token (Meta 190/463, TikTok access_token_invalid): a TikTok refresh grant may fix it;
            /// an Instagram token past expiry cannot be refreshed, so mark the account expired.
            case expired
            /// Not a token the platform knows (Meta 190 without subcode, 102, 104): mark the account expired.
            case invalid
            /// The user must reconnect (TikTok scope_not_authorized; Meta 190 with 458, 459, 460, 464, 467, 492, 493).
            case needsReconnect
            /// The refresh grant itself was refused (TikTok invalid_grant): the refresh token is dead; do not retry.
            case refreshRejected
        }

        public var reason: Reason
        public var code: String
        public var subcode: Int?
        public var message: String

        public init(reason: Reason, code: String, subcode: Int? = nil, message: String) {
            self.reason = reason
            self.code = code
            self.subcode = subcode
            self.message = message
        }
    }

    public enum SkipReason: String, Sendable, Hashable {
        /// Meta #10 or #200-299 (including "Not enough viewers" on stories).
        case permission
        /// Meta #100 subcode 33 (missing, deleted, or someone else's object).
        case notFound
        /// TikTok video query did not return this id (foreign or deleted video).
        case notReturned
    }

    /// A sentence for people: what RPC error messages, a post's `lastError` and the logs show.
    public var description: String {
        let status = httpStatus.map { ", HTTP \($0)" } ?? ""
        return "\(platform.displayName) \(kind.sentence)\(status)"
    }
}

extension PlatformError.Kind {
    /// The middle of `PlatformError.description`: it follows the platform's name.
    var sentence: String {
        switch self {
        case .rateLimited(let scope, let retryAfterSeconds, let code):
            let regain = retryAfterSeconds.map { "; access regained in about \($0) s" } ?? ""
            return "rate-limited \(scope == .app ? "the app" : "this account") (code \(code))\(regain)"
        case .tokenInvalid(let failure):
            let what = switch failure.reason {
            case .expired: "the access token has expired"
            case .invalid: "the access token is not valid"
            case .needsReconnect: "the account must be reconnected"
            case .refreshRejected: "the refresh token was refused"
            }
            let subcode = failure.subcode.map { ", subcode \($0)" } ?? ""
            return "says \(what) (code \(failure.code)\(subcode)): \(failure.message)"
        case .unsupportedMetric(let names, let identified, let message):
            let which = identified ? "the metric\(names.count == 1 ? "" : "s") \(names.joined(separator: ", "))" : "a requested metric"
            return "does not support \(which) for this post: \(message)"
        case .skipPost(let reason, let code, let message):
            let what = switch reason {
            case .permission: "does not allow reading this post"
            case .notFound: "does not know this post (deleted, or another account's)"
            case .notReturned: "did not return this post (deleted, another account's, or a publish id)"
            }
            return "\(what) (code \(code)): \(message)"
        case .transient(let code, let message):
            return "failed for now\(code.map { " (code \($0))" } ?? ""): \(message)"
        case .malformed(let detail):
            return "answered with something that could not be read: \(detail)"
        case .invalidRequest(let code, let message):
            return "refused the request (code \(code)): \(message)"
        case .cancelled:
            return "call was cancelled"
        }
    }
}

extension Platform {
    /// The platform's name as people write it.
    public var displayName: String {
        switch self {
        case .instagram: "Instagram"
        case .facebook: "Facebook"
        case .tiktok: "TikTok"
        }
    }
}
