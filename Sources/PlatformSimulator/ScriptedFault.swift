/// A failure a test asks for explicitly: the next `times` platform requests whose path contains `pathContains`
/// fail this way. Random faults cover "some requests fail"; scripted ones cover "this request fails with #613",
/// which is how every error class the clients classify gets exercised deterministically.
public struct ScriptedFault: Sendable, Hashable, Codable {
    public enum Kind: Sendable, Hashable, Codable {
        /// A Graph API error body with this code (and subcode), e.g. 17, 613, 10, 200, 1, 2.
        case graphError(code: Int, subcode: Int? = nil, httpStatus: Int = 400, message: String? = nil)
        /// A TikTok envelope error, e.g. `scope_not_authorized` with 401.
        case tiktokError(code: String, httpStatus: Int)
        /// HTTP 500 with the platform's transient-error body.
        case serverError
        /// Accept the request and never answer it.
        case timeout
        /// Close the connection (with an RST) instead of answering.
        case reset
        /// Answer 200 with a truncated body.
        case malformed
        /// Answer normally after this many real milliseconds.
        case latency(milliseconds: Int)
        /// Answer normally but with these header values (e.g. a garbled `X-App-Usage`).
        case headers([String: String])
    }

    public var pathContains: String?
    public var times: Int
    public var kind: Kind

    public init(_ kind: Kind, pathContains: String? = nil, times: Int = 1) {
        self.kind = kind
        self.pathContains = pathContains
        self.times = times
    }
}
