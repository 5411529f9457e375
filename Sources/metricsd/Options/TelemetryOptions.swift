import ArgumentParser

/// What the daemon tells its operators: log level and format, and the Prometheus endpoint.
struct TelemetryOptions: ParsableArguments {
    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(help: "text (one line per entry, for people) or json (one JSON object per line: time, level, label, message, source and the entry's metadata).")
    var logFormat: LogFormat = .text

    @Option(help: ArgumentHelp(
        "Serve Prometheus metrics over HTTP at GET /metrics on PORT (loopback, 127.0.0.1) or HOST:PORT.",
        discussion: "Off by default; the metrics method answers the same text over the socket. Port 0 takes a free port, logged as \"metrics listening\". Give an address such as 0.0.0.0:9464 to serve other hosts.",
        valueName: "host:port"))
    var metricsListen: String?
}
