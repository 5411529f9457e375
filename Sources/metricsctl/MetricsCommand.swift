import ArgumentParser
import JSONRPC

/// `metricsctl metrics`: the daemon's Prometheus exposition (`metrics`), as a scrape of `--metrics-listen` would
/// get it, for a look at the counters on a host that serves no HTTP.
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print the daemon's Prometheus metrics (text exposition format).",
        discussion: """
            The same text GET /metrics answers when metricsd runs with --metrics-listen; --json prints the \
            method's result, {"text": ...}.

            Example: metricsctl metrics | grep metricsd_rpc_requests_total
            """)

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        let result = try connection.connect().call("metrics")
        if connection.json {
            Console.outputJSON(result)
        } else {
            var text = try ReplyFields(result).string("text")
            // The exposition ends with a newline; `output` adds one of its own.
            if text.hasSuffix("\n") { text.removeLast() }
            Console.output(text)
        }
    }
}
