import Logging
import ServiceLifecycle

/// The Prometheus listener (`--metrics-listen`) as a lifecycle service: serves the bound `MetricsHTTPServer` until
/// graceful shutdown. Listed first in the daemon's group, it stops last: scrapes still answer while the socket drains.
///
/// A listener that fails is logged and the daemon goes on (the group is told to ignore this service's end): the
/// metrics are for watching the daemon, not a reason to stop it.
struct MetricsListenService: Service, CustomStringConvertible {
    let server: MetricsHTTPServer
    let scrape: MetricsScrape
    let logger: Logger

    var description: String { "MetricsListenService(port \(server.boundPort))" }

    func run() async throws {
        let (server, scrape, logger) = (self.server, self.scrape, self.logger)
        do {
            try await cancelWhenGracefulShutdown {
                try await server.serve(logger: logger) { await scrape.exposition() }
            }
        } catch is CancellationError {
        } catch {
            logger.error("the metrics listener stopped", metadata: ["error": "\(error)"])
        }
    }
}
