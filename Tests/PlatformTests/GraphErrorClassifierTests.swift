import PlatformClients
import Testing

@Suite("Graph API error classification")
struct GraphErrorClassifierTests {
    static let usage = UsageHeaderParser.parse(
        appUsage: nil,
        businessUseCase: #"{"acct":[{"type":"instagram","call_count":100,"total_cputime":25,"total_time":25,"estimated_time_to_regain_access":19}]}"#)

    func classify(_ body: String, status: Int = 400, metrics: [String]? = nil) -> PlatformError.Kind {
        GraphErrorClassifier.classify(
            status: status, body: Array(body.utf8), usage: Self.usage, requestedMetrics: metrics, objectID: "acct")
    }

    func graphError(code: Int, subcode: Int? = nil, message: String = "m", transient: Bool = false) -> String {
        let sub = subcode.map { ",\"error_subcode\":\($0)" } ?? ""
        return #"{"error":{"message":"\#(message)","type":"OAuthException","code":\#(code)\#(sub),"fbtrace_id":"EJplcsCHuLu","is_transient":\#(transient)}}"#
    }

    @Test("app limit #4 throttles the app, even though Meta marks it transient")
    func appLimit() {
        #expect(classify(graphError(code: 4, transient: true)) == .rateLimited(scope: .app, retryAfterSeconds: 19 * 60, code: "4"))
    }

    @Test("account limits throttle the account until the header's regain time", arguments: [17, 32, 613, 80001, 80002])
    func accountLimits(code: Int) {
        #expect(classify(graphError(code: code)) == .rateLimited(scope: .account, retryAfterSeconds: 19 * 60, code: String(code)))
    }

    @Test("190/463 is an expired token; other subcodes need a reconnect; none is invalid")
    func tokens() {
        let expired = "Error validating access token: Session has expired on Thursday, 29-Jul-21 10:00:00 PDT. The current time is Friday, 30-Jul-21 06:41:07 PDT."
        #expect(classify(graphError(code: 190, subcode: 463, message: expired))
            == .tokenInvalid(.init(reason: .expired, code: "190", subcode: 463, message: expired)))
        guard case .tokenInvalid(let changed) = classify(graphError(code: 190, subcode: 460)) else {
            Issue.record("460 should be a token failure")
            return
        }
        #expect(changed.reason == .needsReconnect)
        guard case .tokenInvalid(let unknown) = classify(graphError(code: 190)) else {
            Issue.record("190 should be a token failure")
            return
        }
        #expect(unknown.reason == .invalid)
    }

    @Test("permission errors and missing objects skip the post", arguments: [(10, nil), (200, nil), (299, nil), (100, 33)] as [(Int, Int?)])
    func skips(code: Int, subcode: Int?) {
        guard case .skipPost(let reason, let text, _) = classify(graphError(code: code, subcode: subcode)) else {
            Issue.record("expected skipPost for \(code)")
            return
        }
        #expect(reason == (subcode == 33 ? .notFound : .permission))
        #expect(text == String(code))
    }

    @Test("#100 naming metrics reports those names")
    func namedMetrics() {
        let message = "(#100) The Media Insights API does not support the impressions, replies metric for this media product type."
        #expect(classify(graphError(code: 100, message: message), metrics: ["views", "impressions", "replies"])
            == .unsupportedMetric(names: ["impressions", "replies"], identified: true, message: message))
    }

    @Test("#100 without names reports the whole requested set")
    func unnamedMetric() {
        let message = "(#100) The value must be a valid insights metric"
        #expect(classify(graphError(code: 100, message: message), metrics: ["post_impressions", "post_clicks"])
            == .unsupportedMetric(names: ["post_impressions", "post_clicks"], identified: false, message: message))
    }

    @Test("#100 outside an insights request is a bad request")
    func otherInvalidParameter() {
        #expect(classify(graphError(code: 100, message: "(#100) Invalid cursor"), metrics: nil)
            == .invalidRequest(code: "100", message: "(#100) Invalid cursor"))
        #expect(classify(graphError(code: 100, message: "(#100) Tried accessing nonexisting field (x)"), metrics: ["reach"])
            == .invalidRequest(code: "100", message: "(#100) Tried accessing nonexisting field (x)"))
    }

    @Test("#1, #2 and 5xx are transient; unreadable 4xx bodies are malformed", arguments: [1, 2])
    func transient(code: Int) {
        guard case .transient = classify(graphError(code: code)) else {
            Issue.record("code \(code) should be transient")
            return
        }
        guard case .transient = classify("<html>Bad gateway</html>", status: 502) else {
            Issue.record("a 502 without a body should be transient")
            return
        }
        guard case .malformed = classify("<html>nope</html>", status: 400) else {
            Issue.record("an unreadable 400 should be malformed")
            return
        }
    }

    @Test("metric names are read out of both message shapes")
    func metricNames() {
        #expect(GraphErrorClassifier.unsupportedMetricNames(
            in: "(#100) The Media Insights API does not support the impressions metric for this media product type.")
            == ["impressions"])
        #expect(GraphErrorClassifier.unsupportedMetricNames(
            in: "(#100) Starting from version v22.0 and above, the plays metric is no longer supported.") == ["plays"])
        #expect(GraphErrorClassifier.unsupportedMetricNames(in: "(#100) The value must be a valid insights metric") == nil)
    }
}
