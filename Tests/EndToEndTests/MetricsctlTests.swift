import Foundation
import JSON
import JSONRPC
import MetricsCore
import Testing

/// `metricsctl` as a user runs it: the built binary against a real daemon, judged by its stdout, stderr and
/// exit status. Output is a pipe here, so these also pin down that nothing is coloured off a terminal.
@Suite("metricsctl", .ownThread)
struct MetricsctlTests {
    // MARK: Fixture

    /// A daemon holding one workspace, two accounts and three posts:
    /// p1 (instagram) with 8 daily points whose views run 0…7 and whose shares are never reported;
    /// p2 (tiktok) with one point; p3 (tiktok) never fetched.
    static func seededDaemon() throws -> DaemonProcess {
        let daemon = try DaemonProcess()
        try daemon.result("upsertWorkspace", ["id": "w1", "name": "Studio"])
        try daemon.result("upsertAccount", [
            "id": "a1", "workspaceId": "w1", "platform": "instagram", "externalAccountId": "17841",
            "accessToken": "token-1", "tokenExpiresAt": "2027-01-01T00:00:00.000Z",
        ])
        try daemon.result("upsertAccount", [
            "id": "a2", "workspaceId": "w1", "platform": "tiktok", "externalAccountId": "tt-9", "accessToken": "token-2",
        ])
        try daemon.result("upsertPosts", ["posts": [
            ["id": "p1", "accountId": "a1", "externalPostId": "ig-1", "postedAt": "2026-11-01T10:00:00.000Z", "mediaProductType": "REELS"],
            ["id": "p2", "accountId": "a2", "externalPostId": "tt-1", "postedAt": "2026-11-02T10:00:00.000Z"],
            ["id": "p3", "accountId": "a2", "postedAt": "2026-11-03T10:00:00.000Z"],
        ]])
        var snapshots: [JSON] = []
        for day in 0..<8 {
            var snapshot: JSONObject = ["postId": "p1", "capturedAt": .string("2026-11-0\(day + 1)T12:00:00.000Z")]
            snapshot.append("impressions", .int(1000 * day + 5))
            snapshot.append("views", .int(day))
            snapshot.append("reach", .int(300 + day))
            snapshot.append("likes", .int(10 * day))
            snapshot.append("comments", .int(day))
            snapshot.append("shares", .null)
            snapshot.append("saves", 2)
            snapshots.append(.object(snapshot))
        }
        snapshots.append(["postId": "p2", "capturedAt": "2026-11-05T00:00:00.000Z", "views": 1_234_567, "likes": 5])
        let imported = try daemon.result("importMetrics", ["snapshots": .array(snapshots)])
        try #require(imported["imported"] == 9)
        return daemon
    }

    /// Runs `metricsctl` with `arguments` after `--socket` for `daemon` (none when `daemon` is nil).
    static func metricsctl(
        _ arguments: [String], daemon: DaemonProcess? = nil, stdin: String? = nil, environment: [String: String] = [:]
    ) throws -> (status: Int32, stdout: String, stderr: String) {
        let socket = daemon.map { ["--socket", $0.socketPath] } ?? []
        return try runProcess(DaemonProcess.executable("metricsctl"), arguments + socket, stdin: stdin, environment: environment)
    }

    /// Runs a `--json` command that must succeed and parses what it printed.
    static func json(_ arguments: [String], daemon: DaemonProcess) throws -> JSON {
        let run = try metricsctl(arguments + ["--json"], daemon: daemon)
        try #require(run.status == 0, "metricsctl \(arguments) exited \(run.status): \(run.stderr)")
        return try JSONParser.parse(run.stdout)
    }

    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// The table row whose first cell is `key`.
    static func row(_ key: String, in text: String) -> String? {
        lines(text).first { $0.hasPrefix(key + " ") }
    }

    // MARK: health

    @Test func healthPrintsTheDaemonsReportAsJSONAndForPeople() throws {
        let daemon = try Self.seededDaemon()
        let report = try Self.json(["health"], daemon: daemon)
        #expect(report["status"] == "ok")
        #expect(report["version"] == .string(DefaultLocations.version))
        #expect(report["accounts"]?["connected"] == 2)
        #expect(report["lastRun"] == .null)

        let human = try Self.metricsctl(["health"], daemon: daemon)
        #expect(human.status == 0)
        let out = human.stdout
        #expect(Self.row("status:", in: out)?.hasSuffix(" ok") == true, "\(out)")
        #expect(Self.row("version:", in: out)?.hasSuffix(" \(DefaultLocations.version)") == true)
        #expect(Self.row("accounts:", in: out)?.contains("2 connected") == true)
        #expect(Self.row("database:", in: out)?.contains("ok, ") == true)
        #expect(Self.row("last run:", in: out)?.hasSuffix(" none") == true)
        #expect(!out.contains("\u{1B}["), "no ANSI colour when stdout is not a terminal")
    }

    // MARK: accounts

    @Test func accountsListsEveryAccountOfAWorkspace() throws {
        let daemon = try Self.seededDaemon()
        let result = try Self.json(["accounts", "--workspace", "w1"], daemon: daemon)
        guard case .array(let accounts)? = result["accounts"] else {
            Issue.record("no accounts array in \(result)")
            return
        }
        #expect(accounts.compactMap { $0["id"] } == ["a1", "a2"])

        let human = try Self.metricsctl(["accounts"], daemon: daemon)
        #expect(human.status == 0)
        let header = try #require(Self.lines(human.stdout).first)
        #expect(header.hasPrefix("ID"))
        #expect(header.contains("STATUS"))
        let a1 = try #require(Self.row("a1", in: human.stdout), "\(human.stdout)")
        #expect(a1.contains("instagram") && a1.contains("connected") && a1.contains("2027-01-01T00:00:00.000Z"))
        // a2 has no token expiry and no error: dashes, not blanks.
        let a2 = try #require(Self.row("a2", in: human.stdout))
        #expect(a2.contains("—"))
    }

    // MARK: posts

    @Test func postsFollowsCursorsWithAll() throws {
        let daemon = try Self.seededDaemon()
        let firstPage = try Self.json(["posts", "--limit", "1"], daemon: daemon)
        guard case .array(let onePost)? = firstPage["posts"], case .string? = firstPage["nextCursor"] else {
            Issue.record("expected one page with a cursor: \(firstPage)")
            return
        }
        #expect(onePost.count == 1)

        let everything = try Self.json(["posts", "--limit", "1", "--all"], daemon: daemon)
        guard case .array(let posts)? = everything["posts"] else {
            Issue.record("no posts array in \(everything)")
            return
        }
        #expect(posts.compactMap { $0["id"] } == ["p3", "p2", "p1"], "newest first, every page")
        #expect(everything["nextCursor"] == .null)

        let human = try Self.metricsctl(["posts", "--workspace", "w1", "--limit", "2"], daemon: daemon)
        #expect(human.status == 0)
        #expect(Self.row("p3", in: human.stdout) != nil)
        #expect(Self.row("p2", in: human.stdout) != nil)
        #expect(Self.row("p1", in: human.stdout) == nil)
        #expect(human.stderr.contains("--all"), "a truncated listing says how to get the rest")
        #expect(Self.row("p1", in: try Self.metricsctl(["posts", "--account", "a1"], daemon: daemon).stdout)?.contains("REELS") == true)
    }

    // MARK: latest

    @Test func latestShowsNullMetricsAsDashesNeverZero() throws {
        let daemon = try Self.seededDaemon()
        let result = try Self.json(["latest", "--post", "p1", "p3"], daemon: daemon)
        guard case .array(let metrics)? = result["metrics"], metrics.count == 2 else {
            Issue.record("expected two metrics in \(result)")
            return
        }
        #expect(metrics[0]["views"] == 7)
        #expect(metrics[0]["shares"] == .null)
        #expect(metrics[1]["capturedAt"] == .null)

        let human = try Self.metricsctl(["latest", "--post", "p1", "--post", "p3"], daemon: daemon)
        #expect(human.status == 0)
        let header = try #require(Self.lines(human.stdout).first)
        #expect(header.split(separator: " ").map(String.init) ==
            ["POST", "PLATFORM", "CAPTURED", "AT", "IMPRESSIONS", "VIEWS", "REACH", "LIKES", "COMMENTS", "SHARES", "SAVES"])
        let p1 = try #require(Self.row("p1", in: human.stdout)).split(separator: " ").map(String.init)
        #expect(p1 == ["p1", "instagram", "2026-11-08T12:00:00.000Z", "7,005", "7", "307", "70", "7", "—", "2"])
        let p3 = try #require(Self.row("p3", in: human.stdout)).split(separator: " ").map(String.init)
        #expect(p3 == ["p3", "tiktok"] + Array(repeating: "—", count: 8), "a post never fetched is all dashes")

        // Columns line up: every metric ends at the same offset as its header.
        let lines = Self.lines(human.stdout).filter { !$0.isEmpty }
        #expect(Set(lines.map(\.count)).count == 1, "right-aligned last column: \(lines)")
    }

    @Test func latestByWorkspaceAndPlatform() throws {
        let daemon = try Self.seededDaemon()
        let result = try Self.json(["latest", "--workspace", "w1", "--platform", "tiktok"], daemon: daemon)
        guard case .array(let metrics)? = result["metrics"] else {
            Issue.record("no metrics array in \(result)")
            return
        }
        #expect(metrics.compactMap { $0["postId"] } == ["p3", "p2"])
        let human = try Self.metricsctl(["latest", "--workspace", "w1", "--limit", "1"], daemon: daemon)
        #expect(human.status == 0)
        #expect(Self.row("p3", in: human.stdout) != nil)
        #expect(Self.row("p2", in: human.stdout) == nil)
        #expect(Self.row("p2", in: try Self.metricsctl(["latest", "--workspace", "w1"], daemon: daemon).stdout)?.contains("1,234,567") == true)
    }

    @Test func latestByWorkspacePagesWithCursorOrAll() throws {
        let daemon = try Self.seededDaemon()
        func postIds(_ result: JSON) -> [JSON] {
            guard case .array(let metrics)? = result["metrics"] else { return [] }
            return metrics.compactMap { $0["postId"] }
        }
        let everything = try Self.json(["latest", "--workspace", "w1", "--platform", "tiktok", "--limit", "1", "--all"], daemon: daemon)
        #expect(postIds(everything) == ["p3", "p2"])
        #expect(everything["nextCursor"] == nil as JSON)

        let first = try Self.json(["latest", "--workspace", "w1", "--platform", "tiktok", "--limit", "1"], daemon: daemon)
        #expect(postIds(first) == ["p3"])
        guard case .string(let cursor)? = first["nextCursor"] else {
            Issue.record("no nextCursor after a full page: \(first)")
            return
        }
        let second = try Self.json(["latest", "--workspace", "w1", "--platform", "tiktok", "--limit", "1", "--cursor", cursor], daemon: daemon)
        #expect(postIds(second) == ["p2"])

        let human = try Self.metricsctl(["latest", "--workspace", "w1", "--platform", "tiktok", "--limit", "1"], daemon: daemon)
        #expect(human.status == 0)
        #expect(human.stderr.contains("--cursor \(cursor)"), "a truncated listing says how to get the rest: \(human.stderr)")
    }

    // MARK: import

    static func snapshotLines(_ postId: String, count: Int, from day: Int = 1) -> [String] {
        (0..<count).map { index in
            #"{"postId":"\#(postId)","capturedAt":"2026-10-\#(day + index / 24 < 10 ? "0" : "")\#(day + index / 24)T\#(index % 24 < 10 ? "0" : "")\#(index % 24):00:00.000Z","views":\#(index),"likes":null}"#
        }
    }

    @Test func importSendsAFileInBatchesAndARerunChangesNothing() throws {
        let daemon = try Self.seededDaemon()
        var lines = Self.snapshotLines("p3", count: 25)
        lines.insert("", at: 7)                       // blank lines are skipped
        lines[3] += "\r"                              // and Windows line ends understood
        let file = daemon.directory.appendingPathComponent("backfill.ndjson")
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)  // no final newline

        let first = try Self.json(["import", file.path, "--batch", "10"], daemon: daemon)
        #expect(first == ["imported": 25, "skipped": 0, "calls": 3])
        let history = try daemon.result("history", ["postId": "p3"])
        guard case .array(let points)? = history["points"] else { throw TestFailure("no points") }
        #expect(points.count == 25)
        #expect(points.last?["views"] == 24)
        #expect(points.last?["likes"] == nil as JSON)

        // From standard input, twice over: everything is already stored.
        let again = try Self.metricsctl(["import", "-"], daemon: daemon, stdin: lines.joined(separator: "\n") + "\n")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout == "imported 0 new points, 25 already stored, in 1 call\n")
    }

    @Test func importNamesTheLineTheDaemonOrTheParserRefused() throws {
        let daemon = try Self.seededDaemon()
        var lines = Self.snapshotLines("p3", count: 6)
        lines[4] = #"{"postId":"ghost","capturedAt":"2026-10-01T00:00:00.000Z","views":1}"#
        let file = daemon.directory.appendingPathComponent("bad-post.ndjson")
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let unknown = try Self.metricsctl(["import", file.path, "--batch", "2"], daemon: daemon)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("error: line 5: "), "\(unknown.stderr)")
        #expect(unknown.stderr.contains("field: postId"), "\(unknown.stderr)")
        #expect(unknown.stderr.contains("4 new points were imported before it"), "\(unknown.stderr)")

        lines[4] = #"{"postId":"p3","capturedAt":"#
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let broken = try Self.metricsctl(["import", file.path], daemon: daemon)
        #expect(broken.status == 3)
        #expect(broken.stderr.hasPrefix("error: line 5: not valid JSON"), "\(broken.stderr)")

        let missing = try Self.metricsctl(["import", daemon.directory.appendingPathComponent("nope").path], daemon: daemon)
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("cannot read"), "\(missing.stderr)")
    }

    // MARK: history

    @Test func historyDrawsASparklineOfViews() throws {
        let daemon = try Self.seededDaemon()
        let result = try Self.json(["history", "p1"], daemon: daemon)
        guard case .array(let points)? = result["points"] else {
            Issue.record("no points array in \(result)")
            return
        }
        #expect(points.count == 8)
        #expect(result["hasMore"] == false)

        let human = try Self.metricsctl(["history", "p1"], daemon: daemon)
        #expect(human.status == 0)
        #expect(human.stdout.contains("views ▁▂▃▄▅▆▇█"), "views 0…7 scale to every bar once: \(human.stdout)")
        #expect(human.stdout.contains("8 points"))
        let last = try #require(Self.row("2026-11-08T12:00:00.000Z", in: human.stdout)).split(separator: " ").map(String.init)
        #expect(last == ["2026-11-08T12:00:00.000Z", "7,005", "7", "307", "70", "7", "—", "2"])

        let window = try Self.metricsctl(
            ["history", "p1", "--since", "2026-11-03T00:00:00Z", "--until", "2026-11-05T23:00:00Z"], daemon: daemon)
        #expect(window.status == 0)
        #expect(window.stdout.contains("3 points"))
        #expect(window.stdout.contains("views ▁▅█"), "\(window.stdout)")

        let limited = try Self.json(["history", "p1", "--limit", "3"], daemon: daemon)
        #expect(limited["hasMore"] == true)
        #expect(try Self.metricsctl(["history", "p1", "--limit", "3"], daemon: daemon).stdout.contains("more points follow"))
    }

    @Test func historyOfAPostWithoutPoints() throws {
        let daemon = try Self.seededDaemon()
        let human = try Self.metricsctl(["history", "p3"], daemon: daemon)
        #expect(human.status == 0)
        #expect(human.stdout.contains("no points"))
    }

    // MARK: call

    @Test func callPrintsTheRawResult() throws {
        let daemon = try Self.seededDaemon()
        let byName = try Self.metricsctl(["call", "latestMetrics", #"{"postIds":["p2"]}"#], daemon: daemon)
        #expect(byName.status == 0)
        let result = try JSONParser.parse(byName.stdout)
        guard case .array(let metrics)? = result["metrics"] else {
            Issue.record("no metrics in \(byName.stdout)")
            return
        }
        #expect(metrics.first?["views"] == 1_234_567)

        let byPosition = try Self.metricsctl(["call", "listPosts", #"["w1", "a1"]"#], daemon: daemon)
        #expect(byPosition.status == 0)
        #expect(try JSONParser.parse(byPosition.stdout)["posts"].map { if case .array(let a) = $0 { a.count } else { -1 } } == 1)

        let noParams = try Self.metricsctl(["call", "health"], daemon: daemon)
        #expect(try JSONParser.parse(noParams.stdout)["status"] == "ok")

        let fromStdin = try Self.metricsctl(["call", "history", "-"], daemon: daemon, stdin: #"{"postId":"p1","limit":2}"#)
        #expect(fromStdin.status == 0, "\(fromStdin.stderr)")
        #expect(try JSONParser.parse(fromStdin.stdout)["hasMore"] == true)
    }

    // MARK: Exit codes

    @Test func daemonErrorsExitOneAndNameTheField() throws {
        let daemon = try Self.seededDaemon()
        for arguments in [["history", "nope"], ["latest", "--post", "nope"], ["history", "nope", "--json"]] {
            let run = try Self.metricsctl(arguments, daemon: daemon)
            #expect(run.status == 1, "\(arguments)")
            #expect(run.stdout.isEmpty)
            let lines = Self.lines(run.stderr)
            #expect(lines.first?.hasPrefix("error: ") == true, "\(run.stderr)")
            #expect(lines.contains { $0.hasPrefix("field: postId") }, "\(run.stderr)")
        }
        let unknownMethod = try Self.metricsctl(["call", "noSuchMethod"], daemon: daemon)
        #expect(unknownMethod.status == 1)
        #expect(unknownMethod.stderr.contains("-32601"))
    }

    @Test func noDaemonExitsTwo() throws {
        let directory = try DaemonProcess.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let socket = directory.appendingPathComponent("absent.sock").path
        for arguments in [["health"], ["posts", "--json"], ["call", "health"]] {
            let run = try Self.metricsctl(arguments + ["--socket", socket])
            #expect(run.status == 2, "\(arguments): \(run.stderr)")
            #expect(run.stderr.hasPrefix("error: cannot connect to \(socket)"), "\(run.stderr)")
        }
    }

    @Test(arguments: [
        ["latest"],
        ["latest", "--post", "p1", "--workspace", "w1"],
        ["latest", "--post", "p1", "--platform", "tiktok"],
        ["latest", "--workspace", "w1", "--platform", "myspace"],
        ["latest", "--post", "p1", "--cursor", "abc"],
        ["latest", "--post", "p1", "--all"],
        ["history"],
        ["history", "p1", "--since", "yesterday"],
        ["posts", "--limit", "0"],
        ["import", "--batch", "0"],
        ["import", "--batch", "10001"],
        ["posts", "--limit", "many"],
        ["frobnicate"],
        ["health", "--no-such-flag"],
        ["call"],
        ["call", "health", "{not json"],
        ["call", "health", "42"],
        ["call", "health", "[1,]"],
    ])
    func badUsageExitsThree(arguments: [String]) throws {
        // A socket path that exists nowhere: usage is checked before any connection is tried.
        let run = try Self.metricsctl(arguments + ["--socket", "/nonexistent/metricsd.sock"])
        #expect(run.status == 3, "\(arguments): \(run.stderr)")
        #expect(run.stderr.hasPrefix("error: "), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    @Test func helpAndVersionExitZero() throws {
        let help = try Self.metricsctl(["--help"])
        #expect(help.status == 0)
        for subcommand in ["health", "accounts", "posts", "latest", "history", "call"] {
            #expect(help.stdout.contains(subcommand))
        }
        let version = try Self.metricsctl(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == DefaultLocations.version)
    }

    static let subcommands = [
        "health", "accounts", "posts", "latest", "history", "import", "refresh", "runs", "run", "freshness", "deltas", "top",
        "trend", "anomalies", "best-times", "export", "metrics", "call", "completions", "webhooks",
    ]

    @Test func everyCommandsHelpShowsAnExample() throws {
        for command in [[]] + Self.subcommands.map({ [$0] }) {
            let run = try Self.metricsctl(command + ["--help"])
            #expect(run.status == 0, "\(command): \(run.stderr)")
            #expect(run.stdout.contains("Example: metricsctl") || run.stdout.contains("Example: source <(metricsctl"), "\(command)")
        }
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionsNameEverySubcommand(_ shell: String) throws {
        let run = try Self.metricsctl(["completions", shell])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stdout.isEmpty)
        for subcommand in Self.subcommands {
            #expect(run.stdout.contains(subcommand), "\(shell) completion lacks \(subcommand)")
        }
        if shell == "bash" {
            #expect(run.stdout.contains("-F _metricsctl metricsctl"))
            // The script is valid bash.
            let check = try runProcess(URL(fileURLWithPath: "/bin/bash"), ["-n"], stdin: run.stdout)
            #expect(check.status == 0, "\(check.stderr)")
        }
    }

    @Test func completionsForAnUnknownShellIsAUsageError() throws {
        let run = try Self.metricsctl(["completions", "tcsh"])
        #expect(run.status == 3)
        #expect(run.stderr.hasPrefix("error: "))
    }

    // MARK: Finding the daemon

    @Test func socketComesFromTheEnvironmentWhenNotGiven() throws {
        let daemon = try Self.seededDaemon()
        let run = try Self.metricsctl(["posts", "--json"], environment: ["METRICSD_SOCKET": daemon.socketPath])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try JSONParser.parse(run.stdout)["posts"] != nil)

        // --socket wins over the environment.
        let overridden = try Self.metricsctl(
            ["health", "--socket", daemon.socketPath], environment: ["METRICSD_SOCKET": "/nonexistent/metricsd.sock"])
        #expect(overridden.status == 0, "\(overridden.stderr)")
    }

    @Test func sharedOptionsMayComeBeforeTheSubcommand() throws {
        let daemon = try Self.seededDaemon()
        let run = try runProcess(
            DaemonProcess.executable("metricsctl"), ["--socket", daemon.socketPath, "--json", "latest", "--post", "p2"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try JSONParser.parse(run.stdout)["metrics"] != nil)
    }
}
