import Foundation
import JSON
import TestSupport
import Testing

/// The alerting rules shipped in scripts/prometheus: valid for Prometheus, unit-tested with its own `promtool`, and
/// reading only what the daemon really exports.
@Suite(.ownThread) struct AlertRulesTests {
    static func rulesFolder() throws -> URL {
        try OpenRPCSchema.packageRoot().appendingPathComponent("scripts/prometheus")
    }

    @Test func promtoolAcceptsTheRulesAndTheirUnitTestsPass() throws {
        let folder = try Self.rulesFolder()
        let check = try Promtool.run(["check", "rules", folder.appendingPathComponent("metricsd-alerts.yml").path])
        #expect(check.status == 0, "promtool check rules: \(check.output)")
        #expect(check.output.contains("SUCCESS: 10 rules found"), "\(check.output)")
        // Each alert fires on its series at the time it should, with its text, and stays quiet on a healthy one.
        let test = try Promtool.run(["test", "rules", folder.appendingPathComponent("metricsd-alerts.test.yml").path])
        #expect(test.status == 0, "promtool test rules: \(test.output)")
    }

    @Test func everyMetricAndLabelTheRulesReadIsInALiveExposition() throws {
        let rules = try String(contentsOf: Self.rulesFolder().appendingPathComponent("metricsd-alerts.yml"), encoding: .utf8)
        let names = Set(rules.matches(of: /metricsd_[a-z_]+/).map { String($0.output) })
        #expect(names.count >= 8, "\(names.sorted())")
        let daemon = try DaemonProcess()
        try Fixtures.register(daemon)
        guard case .string(let text)? = try daemon.result("metrics")["text"] else { throw TestFailure("no exposition") }
        for name in names.sorted() {
            #expect(text.contains("\n\(name){") || text.contains("\n\(name) "), "the rules read \(name), which the daemon does not export")
        }
        // The label values the rules select on, as the daemon spells them.
        for selector in [
            #"metricsd_platform_calls_total{platform="instagram",outcome="rate_limited"}"#,
            #"metricsd_platform_calls_total{platform="instagram",outcome="ok"}"#,
            #"metricsd_refresh_runs_total{trigger="schedule",status="failed"}"#,
            #"metricsd_accounts{status="expired"}"#, #"metricsd_accounts{status="needs_reconnect"}"#,
            #"metricsd_freshness_overdue_posts{band="<1d",youngest="true"}"#,
        ] {
            #expect(text.contains("\n\(selector) "), "no sample \(selector)")
        }
    }
}
