#if canImport(FoundationEssentials)
import FoundationEssentials
import JSON
#else
import Foundation
#endif
import MetricsCore
import NIOCore
import NIOHTTP1

/// The simulator's own endpoints, for tests and demos that talk to it over HTTP:
///
/// | route | does |
/// |---|---|
/// | `GET /_sim/stats` | request, rate-limit, error and fault counts per endpoint and per account |
/// | `POST /_sim/reset-stats` | zeroes them |
/// | `POST /_sim/seed` | loads a `SimulatorSeed`, answers a `SeedSummary` |
/// | `GET /_sim/clock`, `POST /_sim/clock` | reads, or moves (`{"advanceSeconds":N}` / `{"set":"ISO"}`) a manual clock |
/// | `POST /_sim/faults`, `DELETE /_sim/faults` | queues a `ScriptedFault`, or clears the queue |
/// | `GET /_sim/config`, `PUT /_sim/config` | reads or replaces the `SimulatorConfiguration` |
/// | `GET /_sim/tokens` | every access and refresh token seeded or issued so far, spent ones included (`{"tokens":[…]}`) |
extension SimulatorCore {
    func control(_ request: SimulatedRequest) -> SimulatorReply {
        let route = request.segments.dropFirst().joined(separator: "/")
        let body = Data(request.bodyBytes)
        switch (request.method, route) {
        case (.GET, "stats"):
            return Self.json(world.withLock { $0.stats })
        case (.POST, "reset-stats"):
            world.withLock { $0.stats = SimulatorStats() }
            return Self.json(world.withLock { $0.stats })
        case (.POST, "seed"):
            guard let seed = try? JSONDecoder().decode(SimulatorSeed.self, from: body) else {
                return Self.problem(.badRequest, "the body is not a valid seed")
            }
            let now = clock.now
            do {
                let summary = try world.withLock { world throws(SimulatorSeedError) in try world.seed(seed, now: now) }
                return Self.json(summary)
            } catch {
                return Self.problem(.badRequest, error.description)
            }
        case (.GET, "clock"):
            return clockReply()
        case (.POST, "clock"):
            guard let manual = clock as? ManualClock else {
                return Self.problem(.conflict, "the simulator runs on the system clock; start it with a manual clock")
            }
            guard let move = try? JSONDecoder().decode(ClockMove.self, from: body) else {
                return Self.problem(.badRequest, "expected {\"advanceSeconds\":N} or {\"set\":\"ISO 8601\"}")
            }
            if let seconds = move.advanceSeconds {
                manual.advance(milliseconds: Int64((seconds * 1000).rounded()))
            } else if let text = move.set, let target = Timestamp(iso8601: text) {
                manual.advance(to: target)
            } else {
                return Self.problem(.badRequest, "expected {\"advanceSeconds\":N} or {\"set\":\"ISO 8601\"}")
            }
            return clockReply()
        case (.POST, "faults"):
            guard let fault = try? JSONDecoder().decode(ScriptedFault.self, from: body) else {
                return Self.problem(.badRequest, "the body is not a valid scripted fault")
            }
            world.withLock { $0.scriptedFaults.append(fault) }
            return Self.json(["queued": world.withLock { $0.scriptedFaults.count }])
        case (.DELETE, "faults"):
            world.withLock { $0.scriptedFaults.removeAll() }
            return Self.json(["queued": 0])
        case (.GET, "tokens"):
            return Self.json(["tokens": world.withLock { $0.issuedTokens }])
        case (.GET, "config"):
            return Self.json(world.withLock { $0.configuration })
        case (.PUT, "config"):
            guard let configuration = try? JSONDecoder().decode(SimulatorConfiguration.self, from: body) else {
                return Self.problem(.badRequest, "the body is not a valid configuration")
            }
            world.withLock { $0.reconfigure(configuration) }
            return Self.json(configuration)
        default:
            return Self.problem(.notFound, "no such simulator route: \(request.path)")
        }
    }

    private struct ClockMove: Decodable {
        var advanceSeconds: Double?
        var set: String?
    }

    private struct ClockState: Encodable {
        var now: Int64
        var iso: String
        var manual: Bool
    }

    private func clockReply() -> SimulatorReply {
        let now = clock.now
        return Self.json(ClockState(now: now.milliseconds, iso: now.iso8601, manual: clock is ManualClock))
    }

    private static func json(_ value: some Encodable) -> SimulatorReply {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(value) else {
            return problem(.internalServerError, "could not encode the answer")
        }
        var buffer = ByteBufferAllocator().buffer(capacity: data.count)
        buffer.writeBytes(data)
        return .respond(SimulatedResponse(body: buffer), delayMilliseconds: 0)
    }

    private static func problem(_ status: HTTPResponseStatus, _ message: String) -> SimulatorReply {
        var json = JSONWriter(reservingCapacity: 64 + message.utf8.count)
        json.beginObject()
        json.field("error", message)
        json.endObject()
        return .respond(SimulatedResponse(status: status, json: json), delayMilliseconds: 0)
    }
}
