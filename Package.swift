// swift-tools-version: 6.1
//
// One target per layer; nothing below imports anything above it:
//
//   metricsd / metricsctl / platform-sim      (thin executables)
//   MetricsDemo                               (the demo: the simulator composed beside the daemon)
//   MetricsDaemon                             (methods, config, wiring, lifecycle)
//   RefreshEngine                             (planner, limiter, runs on a Dispatch queue)
//   SQLiteStore   PostgresStore                (one backend each, behind the contract)
//   RPCServer   RPCClient   PlatformClients   PlatformSimulator
//   StorageContract (MetricsStorage, ClusterStorage, their values, StoreError, the latest-snapshot cache)
//   Telemetry (every instrument, named once; swift-metrics, no exporter)
//   JSONRPC (pure codec, framing, params)     JSON (value, parser, writer)     MetricsCore (pure domain values)
import PackageDescription

let package = Package(
    name: "metricsd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "metricsd", targets: ["metricsd"]),
        .executable(name: "metricsctl", targets: ["metricsctl"]),
        .executable(name: "platform-sim", targets: ["platform-sim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        // Already in the graph through postgres-nio; named because PostgresStore imports NIOSSL (its TLS modes).
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // Already in the graph through postgres-nio; named because the webhook deliverer signs with HMAC-SHA256.
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        // MARK: Pure layers
        .target(name: "MetricsCore", dependencies: [.product(name: "DequeModule", package: "swift-collections")]),
        .target(name: "JSON"),
        .target(name: "JSONRPC", dependencies: ["JSON"]),
        // The instruments every layer records into, through swift-metrics' API; the exporter is the daemon's.
        .target(name: "Telemetry", dependencies: ["MetricsCore", .product(name: "CoreMetrics", package: "swift-metrics")]),
        // What every store keeps, whichever database: the protocols the engine and the methods call, their values
        // and errors, and what both backends share. No database driver.
        .target(name: "StorageContract", dependencies: ["MetricsCore", "JSON"]),

        // MARK: I/O layers
        .target(
            name: "SQLiteStore",
            dependencies: [
                "StorageContract", "MetricsCore", "JSON", "Telemetry", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        // One PostgreSQL database shared by several daemons; SQLiteStore knows nothing of it, nor it of SQLiteStore.
        .target(
            name: "PostgresStore",
            dependencies: [
                "StorageContract", "MetricsCore", "JSON", "Telemetry",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                // Only for the pool's error type (its circuit breaker), which postgres-nio throws as it is.
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "RPCServer",
            dependencies: [
                "JSON", "JSONRPC", "Telemetry",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "RPCClient", dependencies: ["JSON", "JSONRPC"]),
        .target(
            name: "PlatformClients",
            dependencies: [
                "MetricsCore", "Telemetry",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PlatformSimulator",
            dependencies: [
                "MetricsCore", "JSON",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .target(
            name: "RefreshEngine",
            dependencies: [
                "MetricsCore", "StorageContract", "PlatformClients", "JSON", "Telemetry",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: The daemon
        .target(
            name: "MetricsDaemon",
            dependencies: [
                "MetricsCore", "JSON", "JSONRPC", "RPCServer", "StorageContract", "SQLiteStore", "PostgresStore", "RefreshEngine",
                "PlatformClients", "Telemetry",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // A symlink to Schemas/openrpc.json (resources must sit in the target's folder): the one copy of the
            // API description, compiled in as `PackageResources.openrpc_json` so no resource file has to be
            // installed beside the binary.
            resources: [.embedInCode("openrpc.json")]
        ),

        // MARK: The demo, composed above the daemon (the production daemon carries no simulator)
        .target(
            name: "MetricsDemo",
            dependencies: [
                "MetricsDaemon", "MetricsCore", "StorageContract", "RefreshEngine", "PlatformSimulator",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // MARK: Executables (thin)
        .executableTarget(
            name: "metricsd",
            dependencies: [
                "MetricsDaemon", "MetricsDemo", "MetricsCore", "StorageContract", "PostgresStore", "RefreshEngine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "metricsctl",
            dependencies: [
                "MetricsCore", "JSON", "JSONRPC", "RPCClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "platform-sim",
            dependencies: ["PlatformSimulator", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // MARK: Benchmarks (scripts/bench/store builds it in release)
        .executableTarget(
            name: "store-bench",
            dependencies: ["SQLiteStore", "StorageContract", "MetricsCore", "PostgresStore", "PostgresTestSupport"],
            path: "scripts/bench/store-bench"
        ),

        // MARK: Tests
        .testTarget(name: "MetricsCoreTests", dependencies: ["MetricsCore", "TestSupport"]),
        .testTarget(
            name: "RefreshEngineTests",
            dependencies: [
                // The engine against a real store (EngineFixture); its pure machines' tests import only the contract.
                "RefreshEngine", "MetricsCore", "JSON", "StorageContract", "SQLiteStore", "PlatformClients", "PlatformSimulator", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "JSONRPCTests", dependencies: ["JSON", "JSONRPC", "MetricsCore", "TestSupport"]),
        .testTarget(
            name: "RPCServerTests",
            dependencies: [
                "RPCServer", "JSON", "JSONRPC", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What every test target shares: one child-process helper, one condition wait with a deadline, one recorder.
        // A plain target because SwiftPM test targets cannot share files.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // A throwaway PostgreSQL cluster (initdb, a private Unix socket, one database per test), for the tests and the
        // store benchmark. A plain target because SwiftPM test targets cannot share files.
        .target(
            name: "PostgresTestSupport",
            dependencies: [
                "PostgresStore", "StorageContract", "MetricsCore", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/PostgresTestSupport"
        ),
        .testTarget(
            name: "StorageTests",
            dependencies: [
                "StorageContract", "SQLiteStore", "MetricsCore", "PostgresStore", "PostgresTestSupport", "Telemetry", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "PlatformTests",
            dependencies: [
                "PlatformClients", "PlatformSimulator", "MetricsCore", "Telemetry", "TestSupport",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "MetricsDaemonTests",
            dependencies: [
                "MetricsDaemon", "StorageContract", "SQLiteStore", "MetricsCore", "JSON", "JSONRPC", "RefreshEngine", "PlatformClients",
                "Telemetry", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "JSON", "JSONRPC", "RPCClient", "MetricsCore", "PostgresTestSupport", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // The webhook receiver: an HTTP server on loopback, and its own signature check.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ]
)
