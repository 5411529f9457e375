import Foundation
import JSON
import JSONRPC
import MetricsCore
import TestSupport
import Testing

/// `metricsd --demo --clock-speed 3600`: an hour of the daemon's and the simulator's time every real second,
/// seen through the socket. Bounds, not equalities: the test knows real time only around its calls.
@Suite(.serialized, .ownThread) struct ClockSpeedEndToEndTests {
    static let speed: Int64 = 3600

    static func realNow() -> Timestamp {
        Timestamp(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    static func timestamp(_ value: JSON?) -> Timestamp? {
        RefreshEndToEndTests.string(value).flatMap { Timestamp(iso8601: $0) }
    }

    /// Every post, newest first.
    static func posts(_ daemon: DaemonProcess) throws -> [JSON] {
        var posts: [JSON] = []
        var cursor: JSON = .null
        repeat {
            let page = try daemon.result("listPosts", ["limit": 1000, "cursor": cursor])
            posts += RefreshEndToEndTests.array(page["posts"])
            cursor = page["nextCursor"] ?? .null
        } while !cursor.isNull
        return posts
    }

    /// The newest `capturedAt` among the snapshots of `workspace`.
    static func newestCapture(_ daemon: DaemonProcess, workspace: String) throws -> Timestamp? {
        try RefreshEndToEndTests.latest(daemon, workspace: workspace).compactMap { timestamp($0["capturedAt"]) }.max()
    }

    @Test func timeRunsAnHourPerSecondAndPostsPublishedAfterStartAreDiscovered() throws {
        let launched = Self.realNow()
        // A run may wait out a rate limit for a simulated day (24 real seconds): at an hour a second the default
        // hour is one real second, and a loaded machine made a usage-header pause outlast it (4 accounts deferred).
        let daemon = try DaemonProcess(
            arguments: ["--demo", "--no-schedule", "--clock-speed", String(Self.speed), "--run-deadline", "86400"])
        let initial = Set(try Self.posts(daemon).compactMap { RefreshEndToEndTests.string($0["id"]) })
        try #require(!initial.isEmpty)

        let firstStart = Self.realNow()
        let first = try daemon.result("refreshWorkspace", ["workspaceId": .string(RefreshEndToEndTests.workspaceA)])
        let firstEnd = Self.realNow()
        #expect(first["ok"] == true)
        let firstCapture = try #require(try Self.newestCapture(daemon, workspace: RefreshEndToEndTests.workspaceA))

        // The seeded posts are dated up to the demo's first start, a moment after `launched`; the simulator's
        // accounts publish from then on (1.5 posts a day each, a post every 16 real seconds at this speed) and
        // the demo looks for them every simulated hour, a real second.
        var discovered: JSON = .null
        try waitUntilBlocking("a post published after start is discovered, two real seconds after the first refresh", timeout: 60) {
            guard Self.realNow() >= firstEnd.adding(milliseconds: 2_000) else { return false }
            guard let newest = RefreshEndToEndTests.array(try daemon.result("listPosts", ["limit": 1])["posts"]).first,
                  let postedAt = Self.timestamp(newest["postedAt"]), postedAt > launched.adding(milliseconds: 20_000),
                  let id = RefreshEndToEndTests.string(newest["id"]), !initial.contains(id)
            else { return false }
            discovered = newest
            return true
        }
        let discoveredId = try #require(RefreshEndToEndTests.string(discovered["id"]))

        let secondStart = Self.realNow()
        let second = try daemon.result("refreshAll", [:])
        let secondEnd = Self.realNow()
        // TikTok's 2-hour tokens expired a few real seconds in: refreshed on the same fast clock, no error.
        #expect(second["ok"] == true)
        #expect(second["summary"]?["totalErrors"] == 0, "\(JSONWriter.string(second))")
        let secondCapture = try #require(
            try [RefreshEndToEndTests.workspaceA, RefreshEndToEndTests.workspaceB].compactMap { try Self.newestCapture(daemon, workspace: $0) }.max())

        // Snapshots are stamped with the scaled clock: the time between them is the real time between the
        // calls, 3600 times over (give or take the clock's 3.6 s resolution).
        let scaledGap = secondCapture.milliseconds(since: firstCapture)
        let slack: Int64 = 10_000
        #expect(scaledGap >= secondStart.milliseconds(since: firstEnd) * Self.speed - slack, "\(firstCapture) → \(secondCapture)")
        #expect(scaledGap <= secondEnd.milliseconds(since: firstStart) * Self.speed + slack, "\(firstCapture) → \(secondCapture)")
        #expect(scaledGap >= 7_200_000 - slack, "two real seconds are two simulated hours")
        #expect(secondCapture > secondEnd.adding(milliseconds: 3_600_000), "the daemon's clock runs ahead of real time")

        let refreshed = try daemon.result("latestMetrics", ["postIds": [.string(discoveredId)]])
        let metric = try #require(RefreshEndToEndTests.array(refreshed["metrics"]).first)
        #expect(Self.timestamp(metric["capturedAt"]) != nil, "the discovered post was refreshed: \(JSONWriter.string(metric))")
        // Found by the daemon's own discovery (`--sync-posts`, on in the demo), which says so.
        #expect(daemon.stderrText().split(separator: "\n").contains {
            $0.hasSuffix("] post discovery") && $0.contains("registered=") && !$0.contains("registered=0")
        })
    }

    @Test func aRestartedDemoContinuesItsTimelineCountingTheTimeItWasStopped() throws {
        let arguments = ["--demo", "--no-schedule", "--clock-speed", String(Self.speed)]
        let daemon = try DaemonProcess(arguments: arguments)
        let firstStart = Self.realNow()
        _ = try daemon.result("refreshAll", [:])
        let firstEnd = Self.realNow()
        let firstCapture = try #require(try Self.newestCapture(daemon, workspace: RefreshEndToEndTests.workspaceA))
        #expect(try daemon.terminate() == 0)

        // Same directory, so the same demo.sqlite and the same first start.
        let restarted = try DaemonProcess(arguments: arguments, directory: daemon.directory)
        let secondStart = Self.realNow()
        _ = try restarted.result("refreshAll", [:])
        let secondEnd = Self.realNow()
        let secondCapture = try #require(try Self.newestCapture(restarted, workspace: RefreshEndToEndTests.workspaceA))
        // Anchored anew at the restart, the clock would be back near real time, hours behind the first capture.
        let gap = secondCapture.milliseconds(since: firstCapture)
        #expect(gap >= secondStart.milliseconds(since: firstEnd) * Self.speed - 10_000, "\(firstCapture) → \(secondCapture)")
        #expect(gap <= secondEnd.milliseconds(since: firstStart) * Self.speed + 10_000, "\(firstCapture) → \(secondCapture)")
        withExtendedLifetime(daemon) {}
    }

    @Test func aClockSpeedThatIsNotAPositiveNumberIsRefusedWithItsRule() throws {
        for speed in ["0", "-2", "nan", "2000000"] {
            let run = try runProcess(DaemonProcess.executable("metricsd"), ["--clock-speed=\(speed)"])
            #expect(run.status == 64, "--clock-speed \(speed)")
            #expect(run.stderr.contains("--clock-speed must be a number greater than 0"), "\(run.stderr)")
        }
    }
}
