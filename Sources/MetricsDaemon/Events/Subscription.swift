import JSON
import JSONRPC
import MetricsCore
import StorageContract

/// One subscription's delivery: a cursor (the last seq it was given or passed over) moved through the durable log
/// while it replays from `fromSeq`, then through the fan-out's ring, sending what its filter admits as
/// `event` notifications on its connection, one batch at a time as fast as the client reads.
///
/// Hand-over without gap or duplicate: both sources are read by seq from the same cursor, and the cursor only moves
/// past what was sent or filtered out. A live reader the ring has left behind gets one `lagged` notification with its
/// cursor and ends; resubscribing with `fromSeq` = that + 1 replays the rest from the log and loses nothing.
struct Subscription: Sendable {
    /// Events sent per write: large enough that a busy stream costs few syscalls, small enough that one batch of a
    /// stalled reader holds little.
    static let batch = 256
    /// And at most about this many bytes: a batch is this subscriber's own copy of the events until the socket takes
    /// it, so a stalled reader holds no more than this (100 stalled readers held 25 MiB more at 256 events a batch).
    static let batchBytes = 16 * 1024

    let id: String
    let filter: EventFilter
    let fanout: EventFanout
    let connection: any RPCConnectionHandle

    enum End {
        case closed, lagged, cancelled
    }

    /// Delivers until the connection closes, the reader lags or the task is cancelled (`unsubscribe`).
    /// `cursor`: the seq after which events are due; `replaying`: it starts in the durable log (`fromSeq`).
    func run(after start: Int64, replaying startsReplaying: Bool) async -> End {
        var cursor = start
        var replaying = startsReplaying
        let prefix = Array("{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{\"subscription\":".utf8)
            + JSONWriter.serialize(.string(id)) + Array(",\"event\":".utf8)
        while !Task.isCancelled {
            switch fanout.read(after: cursor, limit: Self.batch) {
            case .caughtUp:
                replaying = false
                _ = await fanout.ringed.wait(beyond: cursor)
            case .entries(let entries):
                replaying = false
                var lines: [UInt8] = []
                var through = cursor
                for (seq, entry) in entries {
                    if filter.admits(type: entry.type, workspaceId: entry.workspaceId, postId: entry.postId) {
                        Self.append(entry.json, prefix: prefix, to: &lines)
                    }
                    through = seq
                    if lines.count >= Self.batchBytes { break }
                }
                if !lines.isEmpty, !(await connection.send(lines)) { return .closed }
                cursor = through
            case .behind:
                guard replaying else { return await lagged(at: cursor) }
                do {
                    let page = try await fanout.store.events(fromSeq: cursor + 1, filter: filter, limit: Self.batch)
                    var lines: [UInt8] = []
                    for event in page.events { Self.append(JSONWriter.serialize(event.json), prefix: prefix, to: &lines) }
                    if !lines.isEmpty, !(await connection.send(lines)) { return .closed }
                    cursor = max(cursor, page.nextSeq - 1)
                } catch {
                    // The log expired under a slow replay, or the database is away: the reader is told where it got
                    // to, as for a lag, and decides (resubscribe, or accept the loss).
                    return await lagged(at: cursor)
                }
            }
        }
        return .cancelled
    }

    /// Tells the reader where it got to, and ends the subscription.
    private func lagged(at cursor: Int64) async -> End {
        _ = await connection.send(RPCResponseEncoder.notificationLine(
            method: "lagged", params: ["subscription": .string(id), "lastDeliveredSeq": .int(cursor)]))
        return .lagged
    }

    private static func append(_ event: [UInt8], prefix: [UInt8], to lines: inout [UInt8]) {
        lines += prefix
        lines += event
        lines += [UInt8(ascii: "}"), UInt8(ascii: "}"), UInt8(ascii: "\n")]
    }
}
