import ArgumentParser
import Foundation
import JSON
import JSONRPC
import RPCClient

/// `metricsctl watch`: the daemon's events as they happen (`subscribe`), one line each, until interrupted. It
/// survives the daemon restarting, and a lag: it subscribes again from the last seq it printed, so nothing is
/// printed twice or skipped.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Print events as they happen: snapshots with their changes, milestones, accounts needing reconnection, failing posts, runs.",
        discussion: """
            Runs until interrupted. If the daemon restarts, it reconnects and resumes after the last event printed. \
            With --json, one event per line (NDJSON).

            Example: metricsctl watch --types milestone,account --workspace acme
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp(
        "Only these event types, comma-separated: snapshot, milestone, account, post, run, anomaly, import.", valueName: "types"))
    var types: String?

    @Option(help: ArgumentHelp("Only this workspace's events.", valueName: "id"))
    var workspace: String?

    @Option(help: ArgumentHelp("Replay the log from this seq first (inclusive), then follow live.", valueName: "seq"))
    var fromSeq: Int64?

    static let knownTypes = ["snapshot", "milestone", "account", "post", "run", "anomaly", "import"]

    mutating func validate() throws {
        if let fromSeq, fromSeq < 1 { throw ValidationError("--from-seq must be at least 1") }
        for type in typeList where !Self.knownTypes.contains(type) {
            throw ValidationError("--types: unknown type \"\(type)\" (one of \(Self.knownTypes.joined(separator: ", ")))")
        }
    }

    var typeList: [String] {
        types.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } } ?? []
    }

    func run() throws {
        var next = fromSeq  // nil: live only, from the moment of subscribing
        var reconnecting = false
        while true {
            let outcome = Result { () throws(CommandFailure) -> Int64? in
                try subscribeAndFollow(from: next) { if reconnecting { Console.error("metricsctl: resubscribed") }; reconnecting = false } seen: { next = $0 }
            }
            switch outcome {
            case .success(let resume):
                next = resume ?? next
            case .failure(.daemon(let error)):
                // The daemon refused (a bad filter, permissions, a seq no longer kept): say so and stop.
                throw CommandFailure.daemon(error)
            case .failure(let failure):
                if !reconnecting { Console.error("metricsctl: lost the daemon (\(failure.lines.first ?? "")); reconnecting") }
                reconnecting = true
                Thread.sleep(forTimeInterval: 1)
            }
        }
    }

    /// One subscription: subscribes from `next` (live when nil), then prints until it lags (returns where to resume)
    /// or the connection ends (throws). `seen` is told each printed event's next seq.
    private func subscribeAndFollow(
        from next: Int64?, subscribed: () -> Void, seen: (Int64) -> Void
    ) throws(CommandFailure) -> Int64? {
        let client = try connection.connect()
        var params: JSONObject = [:]
        if !typeList.isEmpty { params.append("types", .array(typeList.map(JSON.string))) }
        if let workspace { params.append("workspaceId", .string(workspace)) }
        if let next { params.append("fromSeq", .int(next)) }
        let reply = try client.call("subscribe", .object(params))
        subscribed()
        if next == nil, case .number(let seq)? = reply["seq"], let value = seq.int64 { seen(value + 1) }
        client.connection.setReceiveTimeout(seconds: nil)
        return try follow(client.connection, seen: seen)
    }

    /// Prints notifications until the connection ends (then throws unreachable) or the subscription lags (then
    /// returns where to resume, or nil to resume after the last event printed).
    private func follow(_ connection: RPCConnection, seen: (Int64) -> Void) throws(CommandFailure) -> Int64? {
        while true {
            let line: [UInt8]?
            do {
                line = try connection.readLine()
            } catch {
                throw .unreachable(error)
            }
            guard let line else { throw .unreachable(.connectionLost("the daemon closed the connection")) }
            guard let message = try? JSONParser.parse(line), case .string(let method)? = message["method"] else { continue }
            let params = message["params"] ?? .null
            switch method {
            case "event":
                guard let event = params["event"] else { continue }
                if case .number(let seq)? = event["seq"], let value = seq.int64 { seen(value + 1) }
                Console.outputNow(self.connection.json ? JSONWriter.string(event) : EventLine.render(event))
            case "lagged":
                // Too far behind for the daemon's buffer: resume from the log where we got to.
                if case .number(let seq)? = params["lastDeliveredSeq"], let value = seq.int64 { return value + 1 }
                return nil
            default:
                continue
            }
        }
    }
}
