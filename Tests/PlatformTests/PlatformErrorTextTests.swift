import MetricsCore
import PlatformClients
import Testing

/// What people read of a platform failure (RPC messages, a post's `lastError`, logs) is a sentence, never a dump
/// of Swift enums and optionals.
@Suite struct PlatformErrorTextTests {
    @Test func eachKindReadsAsASentence() {
        let cases: [(PlatformError, String)] = [
            (PlatformError(platform: .tiktok, kind: .transient(code: "internal_error", message: "Something went wrong."), httpStatus: 500),
             "TikTok failed for now (code internal_error): Something went wrong., HTTP 500"),
            (PlatformError(platform: .instagram, kind: .rateLimited(scope: .account, retryAfterSeconds: 19 * 60, code: "80002")),
             "Instagram rate-limited this account (code 80002); access regained in about 1140 s"),
            (PlatformError(platform: .facebook, kind: .rateLimited(scope: .app, retryAfterSeconds: nil, code: "4")),
             "Facebook rate-limited the app (code 4)"),
            (PlatformError(platform: .instagram, kind: .tokenInvalid(.init(
                reason: .expired, code: "190", subcode: 463, message: "Session has expired"))),
             "Instagram says the access token has expired (code 190, subcode 463): Session has expired"),
            (PlatformError(platform: .instagram, kind: .unsupportedMetric(
                names: ["impressions"], identified: true, message: "(#100) not supported")),
             "Instagram does not support the metric impressions for this post: (#100) not supported"),
            (PlatformError(platform: .tiktok, kind: .skipPost(reason: .notReturned, code: "not_returned", message: "video 7 missing")),
             "TikTok did not return this post (deleted, another account's, or a publish id) (code not_returned): video 7 missing"),
            (PlatformError(platform: .facebook, kind: .malformed("not JSON")),
             "Facebook answered with something that could not be read: not JSON"),
            (PlatformError(platform: .tiktok, kind: .invalidRequest(code: "invalid_params", message: "bad ids"), httpStatus: 400),
             "TikTok refused the request (code invalid_params): bad ids, HTTP 400"),
        ]
        for (error, expected) in cases {
            #expect(error.description == expected)
            #expect(!error.description.contains("Optional("))
            #expect(!error.description.contains("(code: "))
        }
    }
}
