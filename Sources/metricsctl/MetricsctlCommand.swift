import ArgumentParser
import Foundation
import JSON
import MetricsCore

/// `metricsctl`: a thin admin client for metricsd's JSON-RPC socket.
///
/// Each subcommand is one file: a `ParsableCommand` with `@OptionGroup var connection: ConnectionOptions`
/// whose `run()` makes its calls through `DaemonClient` and throws `CommandFailure` for anything but a result.
/// Adding one (a `refresh` that draws progress from the daemon's `progress` notifications via
/// `DaemonClient.call(_:_:onNotification:)`) is that file plus its line in `subcommands` below.
@main
struct MetricsctlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metricsctl",
        abstract: "Ask a running metricsd for accounts, posts and metrics.",
        discussion: """
            Prints tables for people; pass --json for the daemon's result as JSON.

            Exit status: 0 the daemon answered, 1 the daemon answered with an error, \
            2 the daemon could not be reached (or its reply was not understood), 3 usage error.

            Example: metricsctl --socket /run/metricsd/metricsd.sock health
            """,
        version: DefaultLocations.version,
        subcommands: [
            HealthCommand.self,
            AccountsCommand.self,
            PostsCommand.self,
            LatestCommand.self,
            HistoryCommand.self,
            ImportCommand.self,
            RefreshCommand.self,
            RunsCommand.self,
            WatchCommand.self,
            RunCommand.self,
            FreshnessCommand.self,
            DeltasCommand.self,
            TopCommand.self,
            TrendCommand.self,
            AnomaliesCommand.self,
            BestTimesCommand.self,
            ExportCommand.self,
            MetricsCommand.self,
            WebhooksCommand.self,
            WhoamiCommand.self,
            CallCommand.self,
            CompletionsCommand.self,
        ])

    /// Declared here as well as in each subcommand so the options may come before the subcommand's name
    /// (`metricsctl --socket /x health`, as with lightning-cli) or after it; ArgumentParser fills both from
    /// either place.
    @OptionGroup var connection: ConnectionOptions

    /// ArgumentParser's `main()` with metricsctl's exit codes: its usage failures exit 64 (`EX_USAGE`), which
    /// scripts written against `lightning-cli` conventions would not recognise, so they become 3; and a
    /// `CommandFailure` is printed once, here, as `error: …`.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let failure as CommandFailure {
            for line in failure.lines {
                Console.error(line)
            }
            exit(withError: failure.exitCode)
        } catch {
            guard exitCode(for: error) == .validationFailure else {
                exit(withError: error)
            }
            // Lower-case "error:" like every other error metricsctl prints, so stderr reads one way.
            var message = fullMessage(for: error)
            if message.hasPrefix("Error: ") {
                message = "error: " + message.dropFirst("Error: ".count)
            }
            Console.error(message)
            exit(withError: MetricsctlExit.usage)
        }
    }
}
