import MetricsCore

/// The seven counters as table columns, in the wire's order, right-aligned: shared by `latest` and `history`
/// so both tables read the same.
enum MetricColumns {
    static let names = MetricValues.names

    static var columns: [TableRenderer.Column] {
        names.map { TableRenderer.Column($0, .right) }
    }

    static func cells(_ row: ReplyFields) -> [String] {
        names.map { HumanFormat.metric(row[$0]) }
    }
}
