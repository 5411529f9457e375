import Foundation
import JSON
import JSONRPC
import TestSupport
import Testing

/// `--metrics-listen` and the `metrics` method against the real binary: what a Prometheus server scrapes, linted
/// by Prometheus' own `promtool`.
@Suite(.ownThread) struct MetricsEndpointTests {
    /// The sample of `name` with exactly these labels, as the exposition prints it (`name{a="x",b="y"} value`).
    static func sample(_ name: String, _ labels: KeyValuePairs<String, String> = [:], in text: String) -> Double? {
        let selector = labels.isEmpty ? name : name + "{" + labels.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}"
        for line in text.split(separator: "\n") where line.hasPrefix(selector + " ") {
            return Double(line.dropFirst(selector.count + 1))
        }
        return nil
    }

    @Test func theListenerServesAnExpositionThatPromtoolAccepts() throws {
        let daemon = try DaemonProcess(arguments: ["--metrics-listen", "127.0.0.1:0"])
        let url = try daemon.metricsURL()
        #expect(url.hasPrefix("http://127.0.0.1:"))
        try Fixtures.register(daemon)
        _ = try daemon.connect().call("noSuchMethod")
        _ = try daemon.call("upsertWorkspace", ["id": "w1"])  // no name: -32602
        try daemon.result("latestMetrics", ["postIds": ["ig-0"]])
        try daemon.result("latestMetrics", ["postIds": ["ig-0"]])

        let scrape = try HTTPAnswer.get(url)
        #expect(scrape.status == 200)
        #expect(scrape.contentType == "text/plain; version=0.0.4; charset=utf-8")
        let lint = try Promtool.check(scrape.body)
        #expect(lint.status == 0, "promtool check metrics: \(lint.output)")

        let text = scrape.body
        #expect(Self.sample("metricsd_rpc_requests_total", ["method": "upsertWorkspace", "code": "ok"], in: text) == 2)
        #expect(Self.sample("metricsd_rpc_requests_total", ["method": "upsertWorkspace", "code": "-32602"], in: text) == 1)
        #expect(Self.sample("metricsd_rpc_requests_total", ["method": "unknown", "code": "-32601"], in: text) == 1)
        #expect(Self.sample("metricsd_rpc_requests_total", ["method": "latestMetrics", "code": "ok"], in: text) == 2)
        #expect(Self.sample("metricsd_rpc_request_duration_seconds_count", ["method": "latestMetrics"], in: text) == 2)
        #expect(Self.sample("metricsd_latest_cache_misses_total", in: text) == 1)
        #expect(Self.sample("metricsd_latest_cache_hits_total", in: text) == 1)
        #expect(Self.sample("metricsd_platform_calls_total", ["platform": "tiktok", "outcome": "ok"], in: text) == 0)
        #expect(Self.sample("metricsd_rpc_permission_denials_total", ["method": "health"], in: text) == 0)
        #expect(Self.sample("metricsd_accounts", ["status": "connected"], in: text) == 3)
        #expect((Self.sample("metricsd_database_size_bytes", in: text) ?? 0) > 0)
        #expect(Self.sample("metricsd_database_up", in: text) == 1)
        #expect(Self.sample("metricsd_accounts_tokens_expiring", in: text) == 0)
        #expect(Self.sample("metricsd_refresh_deadline_deferrals_total", in: text) == 0)
        // The fixture's posts were published in November 2026: whichever bands they fall in, every band is there.
        #expect(Self.sample("metricsd_freshness_posts", ["band": "<1d", "youngest": "true"], in: text) != nil)
        for name in [
            "metricsd_rpc_connections", "metricsd_rpc_connections_refused_total", "metricsd_refresh_pauses_total",
            "metricsd_token_refreshes_total", "metricsd_refresh_runs_total", "metricsd_refresh_run_duration_seconds",
            "metricsd_snapshots_written_total", "metricsd_freshness_staleness_seconds",
        ] {
            #expect(text.contains("# HELP \(name) "), "\(name) has no HELP line")
        }

        #expect(try HTTPAnswer.get(url.replacingOccurrences(of: "/metrics", with: "/other")).status == 404)
        #expect(try HTTPAnswer.get(url, method: "POST").status == 405)
        #expect(try HTTPAnswer.get(url, method: "HEAD").status == 200)
    }

    @Test func theMetricsMethodAndMetricsctlAnswerTheSameExposition() throws {
        let daemon = try DaemonProcess()
        try daemon.result("health")
        let result = try daemon.result("metrics")
        guard case .string(let text)? = result["text"] else { throw TestFailure("no text in \(result)") }
        // DaemonProcess waited for one health; earlier connections may still be closing on the daemon's side.
        #expect((Self.sample("metricsd_rpc_requests_total", ["method": "health", "code": "ok"], in: text) ?? 0) >= 2)
        #expect((Self.sample("metricsd_rpc_connections", in: text) ?? 0) >= 1)
        #expect(try Promtool.check(text).status == 0)

        let run = try runProcess(DaemonProcess.executable("metricsctl"), ["metrics", "--socket", daemon.socketPath])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("# HELP "))
        #expect(run.stdout.hasSuffix("\n") && !run.stdout.hasSuffix("\n\n"))
        #expect(Self.sample("metricsd_rpc_requests_total", ["method": "metrics", "code": "ok"], in: run.stdout) == 1)
        let json = try runProcess(DaemonProcess.executable("metricsctl"), ["metrics", "--json", "--socket", daemon.socketPath])
        #expect(try JSONParser.parse(json.stdout)["text"] != nil)
    }

    @Test func aRefreshIsCountedByPlatformOutcomeRunAndSnapshot() throws {
        let daemon = try DaemonProcess(arguments: RefreshEndToEndTests.demoArguments())
        try daemon.result("refreshAll")
        guard case .string(let text)? = try daemon.result("metrics")["text"] else { throw TestFailure("no text") }
        for platform in ["instagram", "facebook", "tiktok"] {
            #expect((Self.sample("metricsd_platform_calls_total", ["platform": platform, "outcome": "ok"], in: text) ?? 0) > 0, "\(platform)")
        }
        #expect(Self.sample("metricsd_refresh_runs_total", ["trigger": "rpc", "status": "completed"], in: text) == 1)
        #expect(Self.sample("metricsd_refresh_run_duration_seconds_count", ["trigger": "rpc"], in: text) == 1)
        #expect((Self.sample("metricsd_snapshots_written_total", ["source": "refresh"], in: text) ?? 0) > 0)
        // Every post of the demo's window was refreshed just now: none is due, and staleness is small.
        #expect(Self.sample("metricsd_freshness_due_posts", ["band": "<1d", "youngest": "true"], in: text) == 0)
        #expect((Self.sample("metricsd_freshness_posts", ["band": "7d-30d", "youngest": "false"], in: text) ?? 0) > 0)
        #expect((Self.sample(
            "metricsd_freshness_staleness_seconds", ["band": "7d-30d", "youngest": "false", "percentile": "99"], in: text) ?? .infinity) < 600)
        #expect(try Promtool.check(text).status == 0)
    }

    @Test func aPortAloneListensOnLoopbackAndATakenPortFailsTheStart() throws {
        let first = try DaemonProcess(arguments: ["--metrics-listen", "0"])
        let url = try first.metricsURL()
        #expect(url.hasPrefix("http://127.0.0.1:"))
        let port = url.dropFirst("http://127.0.0.1:".count).prefix { $0.isNumber }
        let second = try DaemonProcess(arguments: ["--metrics-listen", "127.0.0.1:\(port)"], waitUntilReady: false)
        try waitUntilBlocking("the second daemon exits", timeout: 20) { !second.process.isRunning }
        #expect(second.process.terminationStatus == 1)
        #expect(second.stderrText().contains("cannot serve metrics on 127.0.0.1:\(port)"))
    }

    @Test(arguments: ["x", "127.0.0.1:", ":9464", "127.0.0.1:70000", "[::1]9464"])
    func aMalformedListenAddressIsAUsageError(_ address: String) throws {
        let directory = try DaemonProcess.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try runProcess(
            DaemonProcess.executable("metricsd"),
            ["--metrics-listen", address, "--socket", directory.path + "/d.sock", "--database", directory.path + "/m.sqlite"])
        #expect(run.status == 64, "\(address): \(run.stderr)")
        #expect(run.stderr.contains("--metrics-listen"))
    }
}
