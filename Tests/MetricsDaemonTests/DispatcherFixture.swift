import Foundation
import JSONRPC
import Logging
@testable import MetricsDaemon
import PlatformClients
import RefreshEngine
import SQLiteStore
import StorageContract

/// Every method behind `MetricsDaemon.dispatcher`, with no socket: a store in a temporary folder, an engine whose
/// platforms are nowhere (nothing listens on port 9: no test here calls a platform), no access policy, and the
/// daemon's instruments. Removed after `body`.
enum DispatcherFixture {
    static func with(_ body: (RPCDispatcher, RefreshEngine, DaemonMetrics) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dispatch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let metrics = DaemonMetrics()
        var options = SQLiteStore.Options()
        options.telemetry = metrics.telemetry.store
        let store = try SQLiteStore.open(path: directory.appendingPathComponent("m.sqlite").path, options: options)
        defer { try? store.close() }
        try await withPlatformHTTPClient { http in
            var endpoints = DaemonConfiguration.Endpoints()
            endpoints.instagram = "http://127.0.0.1:9"
            endpoints.facebook = "http://127.0.0.1:9"
            endpoints.tiktok = "http://127.0.0.1:9"
            let engine = try await RefreshEngine(
                store: store, clients: MetricsDaemon.clients(endpoints, httpClient: http, telemetry: metrics.telemetry.platforms),
                telemetry: metrics.telemetry.refresh)
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let dispatcher = MetricsDaemon.dispatcher(
                store: store, engine: engine, health: HealthMonitor(store: store), openRPC: [:], logger: logger,
                access: .unrestricted(logger: logger), metrics: metrics,
                events: DaemonEvents(store: store, buffer: 100, telemetry: metrics.telemetry.events, logger: logger))
            try await body(dispatcher, engine, metrics)
        }
    }
}
