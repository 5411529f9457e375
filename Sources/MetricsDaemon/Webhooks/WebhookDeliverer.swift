import AsyncHTTPClient
import Logging
import MetricsCore
import NIOCore
import ServiceLifecycle
import StorageContract
import Telemetry

/// The daemon's webhook deliveries, as one service: a `WebhookEndpointLoop` per enabled endpoint, each in a task of
/// its own, so a failing or slow endpoint never delays another, nor a refresh (the loops only read the log and write
/// their own rows).
///
/// The loops are brought in line with the stored endpoints at start, whenever a webhook method says one changed
/// (`WebhookChanges`), and every `lookInterval` (another daemon's changes on a shared database). A loop is
/// replaced when its endpoint's `version` moved (an upsert: new URL, types, secret, or re-enabled) and stopped
/// when the endpoint is disabled or deleted. Graceful shutdown cancels every loop, including a request or a retry
/// wait in flight (the attempt is not recorded, so it is sent again after the restart), waits for them, and
/// closes the HTTP client.
struct WebhookDeliverer: Service, CustomStringConvertible {
    let store: any WebhookStorage & EventStorage
    let changes: WebhookChanges
    let configuration: WebhookConfiguration
    let clock: any WallClock
    let telemetry: WebhookTelemetry
    let logger: Logger
    /// Which endpoints this daemon delivers (a cluster's lease); nil: all of them.
    var ownership: (any WebhookOwnership)? = nil
    var wallClock: any WallClock = SystemClock()
    var unitRandom: @Sendable () -> Double = { Double.random(in: 0..<1) }

    static let lookInterval: Duration = .seconds(5)

    var description: String { "WebhookDeliverer" }

    func run() async throws {
        let timeout = TimeAmount.nanoseconds(
            configuration.requestTimeout.components.seconds * 1_000_000_000 + configuration.requestTimeout.components.attoseconds / 1_000_000_000)
        let client = HTTPWebhookTransport.makeClient(timeout: timeout)
        let transport = HTTPWebhookTransport(client: client, timeout: timeout)
        let nudges = changes.changes()
        await cancelWhenGracefulShutdown {
            var running: [String: (version: Int64, task: Task<Void, Never>)] = [:]
            await withTaskGroup(of: Void.self) { group in
                // The methods' nudges and the periodic look merge into one stream of "look again".
                let (looks, look) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
                group.addTask {
                    for await _ in nudges { look.yield() }
                }
                group.addTask {
                    while (try? await Task.sleep(for: Self.lookInterval)) != nil { look.yield() }
                }
                look.yield()
                for await _ in looks {
                    if Task.isCancelled { break }
                    await reconcile(&running, transport: transport)
                }
                group.cancelAll()
            }
            for (_, loop) in running { loop.task.cancel() }
            for (_, loop) in running { await loop.task.value }
        }
        try? await client.shutdown()
        await ownership?.releaseAll()
    }

    /// Starts, restarts and stops loops so that exactly the enabled endpoints this daemon owns have one, of their
    /// current version. A store that cannot answer now leaves the loops as they are until the next look.
    private func reconcile(_ running: inout [String: (version: Int64, task: Task<Void, Never>)], transport: any WebhookTransport) async {
        let endpoints: [WebhookEndpoint]
        do {
            endpoints = try await store.listWebhooks()
        } catch {
            logger.warning("cannot list webhook endpoints", metadata: ["error": "\(failureSentence(error))"])
            return
        }
        var wanted = endpoints.filter(\.enabled)
        if let ownership {
            let owned = await ownership.own(wanted.map(\.id))
            wanted = wanted.filter { owned.contains($0.id) }
        }
        let wantedIds = Set(wanted.map(\.id))
        for (id, loop) in running where !wantedIds.contains(id) {
            loop.task.cancel()
            running[id] = nil
        }
        for endpoint in wanted {
            if let loop = running[endpoint.id] {
                if loop.version == endpoint.version { continue }
                loop.task.cancel()
            }
            let secret: String
            do {
                guard let stored = try await store.webhookSecret(id: endpoint.id) else { continue }
                secret = stored
            } catch {
                logger.warning("cannot read a webhook's secret", metadata: ["webhook": "\(endpoint.id)", "error": "\(failureSentence(error))"])
                continue
            }
            let loop = WebhookEndpointLoop(
                endpoint: endpoint, secret: secret, store: store, transport: transport, configuration: configuration, clock: clock,
                wallClock: wallClock, telemetry: telemetry, logger: logger, unitRandom: unitRandom)
            running[endpoint.id] = (endpoint.version, Task { await loop.run() })
        }
    }
}

/// Which endpoints a daemon may deliver when several share the database: each is leased to one member at a time.
protocol WebhookOwnership: Sendable {
    /// Of `ids`, those this daemon holds now (claimed or renewed).
    func own(_ ids: [String]) async -> Set<String>
    func releaseAll() async
}
