import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import MetricsCore
import MetricsDaemon
import MetricsDemo

/// `metricsd`: its flags, grouped by concern, become one `DaemonLaunch`, which `MetricsDaemon.run` runs. Nothing else
/// lives here.
@main
struct MetricsdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metricsd",
        abstract: "Keeps social-media post metrics fresh; serves them over JSON-RPC on a Unix socket.",
        version: DefaultLocations.version)

    @OptionGroup(title: "Socket, access and shutdown") var socket: SocketOptions
    @OptionGroup(title: "Store") var store: StoreOptions
    @OptionGroup(title: "Refresh") var refresh: RefreshOptions
    @OptionGroup(title: "Platforms") var platforms: PlatformOptions
    @OptionGroup(title: "Telemetry") var telemetry: TelemetryOptions
    @OptionGroup(title: "Webhooks") var webhooks: WebhookOptions
    @OptionGroup(title: "Demo") var demo: DemoOptions

    func launch() throws -> DaemonLaunch {
        try DaemonLaunch(
            socket: socket, store: store, refresh: refresh, platforms: platforms, telemetry: telemetry, webhooks: webhooks, demo: demo,
            environment: ProcessEnvironment.current)
    }

    func validate() throws {
        _ = try launch()
    }

    func run() async throws {
        var launch = try launch()
        let (level, format) = (launch.logLevel, launch.logFormat)
        LoggingSystem.bootstrap { label in
            switch format {
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            case .json:
                return JSONLogHandler(label: label, level: level)
            }
        }
        let logger = Logger(label: "metricsd")
        do {
            try launch.configuration.adoptSystemd(environment: ProcessEnvironment.current, processID: getpid(), logger: logger)
        } catch {
            logger.critical("cannot start: \(error.description)")
            throw ExitCode(1)
        }
        do {
            if let size = launch.demo {
                let speed = launch.clockSpeed
                try await MetricsDaemon.run(
                    launch.configuration, logger: logger,
                    clock: { databasePath in try await DemoCompanion.clock(speed: speed, databasePath: databasePath) },
                    companion: { store, clock in try await DemoCompanion(size: size, store: store, clock: clock, logger: logger) })
            } else {
                try await MetricsDaemon.run(launch.configuration, logger: logger)
            }
        } catch let error as MetricsDaemon.StartupError {
            logger.critical("cannot start: \(error.description)")
            throw ExitCode(1)
        }
    }
}
