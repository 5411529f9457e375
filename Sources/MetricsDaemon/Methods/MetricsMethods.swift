import JSONRPC

/// `metrics`: the Prometheus exposition over the socket, for `metricsctl metrics` and for hosts where no HTTP
/// listener is wanted (`--metrics-listen` is off by default).
enum MetricsMethods {
    static func all(scrape: MetricsScrape) -> [RPCMethod] {
        [
            // A task: a scrape may tally freshness, which reads the window's posts.
            .task("metrics") { _, _ in
                ["text": .string(await scrape.exposition())]
            },
        ]
    }
}
