import Foundation
import JSON
import JSONRPC
import RPCClient
import Testing

/// The schema says what the daemon accepts. Params drawn from Schemas/openrpc.json alone (`ParamsGenerator`:
/// every method, by name and by position, on and inside every declared bound) go through the socket to a real
/// daemon holding a little data. None may be refused as invalid params (-32602): the schema would be missing a
/// bound, or the daemon enforcing one it should not. None may fail inside (-32603), and every reply, error or
/// result, must validate. Not found, conflict, not connected and platform errors are the daemon answering a
/// valid request about its data, and are fine.
///
/// The seed changes from run to run, so runs explore; a failure names its seed and request, and
/// `METRICSD_PROPERTY_SEED=<seed>` replays the same requests.
@Suite(.ownThread) struct SchemaValidParamsTests {
    static let callsPerMethod = 30

    @Test func paramsTheSchemaAllowsAreNeverRefusedAsInvalid() throws {
        let seed = ProcessInfo.processInfo.environment["METRICSD_PROPERTY_SEED"].flatMap { UInt64($0) } ?? .random(in: 0 ... .max)
        let directory = try DaemonProcess.makeTemporaryDirectory()
        // Platforms that know no account: every refresh or sync call is refused at once as a bad token, so a
        // run ends after one call per account, whatever posts the generator registered (a closed port would
        // count as transient and be retried for seconds per post, and future-dated posts are in scope).
        let simulator = try SimulatorProcess(config: [:], directory: directory, manualClock: false)
        let daemon = try DaemonProcess(
            arguments: [
                "--no-schedule", "--instagram-url", simulator.baseURL, "--facebook-url", simulator.baseURL,
                "--tiktok-url", simulator.baseURL, "--max-request-bytes", String(64 << 20),
            ],
            directory: directory)
        let schema = try OpenRPCSchema.loadProjectDocument()
        var generator = ParamsGenerator(schema: schema, seed: seed, known: try Self.register(daemon))
        let connection = try daemon.connect()
        var results: [String: Int] = [:]
        var failures = 0

        for _ in 0..<Self.callsPerMethod {
            for method in schema.methodNames {
                let params = generator.params(for: method)
                let request = "\(method) \(params.map(JSONWriter.string) ?? "(no params)")"
                func fail(_ what: String) {
                    failures += 1
                    Issue.record("seed \(seed) (replay with METRICSD_PROPERTY_SEED=\(seed)): \(what)\n  request: \(request.prefix(800))")
                }
                let paramViolations = schema.validateParams(of: method, params)
                guard paramViolations.isEmpty else {
                    fail("the generator made params the schema refuses: \(paramViolations)")
                    continue
                }
                var notifications: [JSON] = []
                let outcome = try connection.call(method, params: params) { name, params in
                    notifications.append(["method": .string(name), "params": params])
                }
                for notification in notifications {
                    // Refresh progress, and the events of a subscription the generator opened on this connection.
                    let component: String? = switch notification["method"] {
                    case "progress": "RefreshProgress"
                    case "event": "EventNotification"
                    case "lagged": "LaggedNotification"
                    default: nil
                    }
                    let violations = component.map {
                        schema.validator.validate(notification["params"] ?? .null, against: ["$ref": .string("#/components/schemas/\($0)")], at: "params")
                    } ?? ["no such notification"]
                    if !violations.isEmpty {
                        fail("an undocumented notification \(JSONWriter.string(notification)): \(violations)")
                    }
                }
                switch outcome {
                case .success(let result):
                    results[method, default: 0] += 1
                    let violations = schema.validateResult(of: method, result)
                    if !violations.isEmpty { fail("the result does not validate: \(violations)") }
                    generator.learn(from: result)
                case .failure(let error):
                    let reply = "\(error.code) \(error.message) \(error.data.map(JSONWriter.string) ?? "")"
                    if !(-32099 ... -32000).contains(error.code) {
                        fail("answered \(reply)")
                    }
                    let violations = schema.validateError(of: method, error.json)
                    if !violations.isEmpty { fail("the error \(reply) does not validate: \(violations)") }
                }
                if failures >= 10 { return }  // enough to go on; the rest would repeat them
            }
        }
        // A generator whose requests only ever met -32001 would prove little: each method (but syncPosts, which
        // needs a platform that knows the account) must have succeeded at least once.
        for method in schema.methodNames where method != "syncPosts" {
            #expect(results[method, default: 0] > 0, "seed \(seed): \(method) never succeeded in \(Self.callsPerMethod) calls")
        }
        #expect(daemon.process.isRunning)
    }

    /// Two workspaces, an account on each platform, posts from 2020 with snapshots, and one finished run, all
    /// named in the pools the generator draws ids from.
    static func register(_ daemon: DaemonProcess) throws -> [String: [JSON]] {
        try daemon.result("upsertWorkspace", ["id": "w1", "name": "Studio One"])
        try daemon.result("upsertWorkspace", ["id": "w2", "name": "Studio Two"])
        var posts: [JSON] = []
        for (account, workspace, platform) in [("ig", "w1", "instagram"), ("tt", "w1", "tiktok"), ("fb", "w2", "facebook")] {
            try daemon.result("upsertAccount", [
                "id": .string(account), "workspaceId": .string(workspace), "platform": .string(platform),
                "externalAccountId": .string("ext-\(account)"), "accessToken": "token",
            ])
            let ids = (1...3).map { "\(account)-\($0)" }
            posts += ids.map(JSON.string)
            try daemon.result("upsertPosts", ["posts": .array(ids.map { id in
                ["id": .string(id), "accountId": .string(account), "externalPostId": .string("x-\(id)"), "postedAt": "2020-01-01T10:00:00.000Z"]
            })])
            try daemon.result("importMetrics", ["snapshots": .array(ids.flatMap { id in
                ["2020-01-02T00:00:00.000Z", "2020-01-03T00:00:00.000Z"].map { Fixtures.snapshot(id, $0, views: 10, likes: 1) }
            })])
        }
        let run = try daemon.result("refreshAll")
        return [
            "workspaceId": ["w1", "w2"], "accountId": ["ig", "tt", "fb"], "postId": posts, "postIds": posts,
            "id": ["w1", "w2", "ig", "tt", "fb"] + posts, "runId": [run["runId"] ?? 1],
            // Webhook endpoints nothing listens at (deliveries fail and retry, harmlessly): a drawn string rarely
            // matches the URL pattern.
            "url": ["http://127.0.0.1:9/hooks", "https://[::1]:9/in?x=1"],
        ]
    }
}

extension ParamsGenerator {
    /// Run ids, cursors and subscriptions from replies join the pools, so later calls can ask about them.
    mutating func learn(from result: JSON) {
        func add(_ name: String, _ value: JSON?) {
            guard let value, !value.isNull else { return }
            known[name, default: []].append(value)
            if known[name, default: []].count > 32 { known[name]?.removeFirst() }
        }
        add("runId", result["runId"])
        add("cursor", result["nextCursor"])
        // Subscriptions are opened on the generator's own connection, so `unsubscribe` can end them there.
        add("subscription", result["subscription"])
        if case .array(let runs)? = result["runs"] {
            for run in runs.prefix(3) { add("runId", run["runId"]) }
        }
    }
}
