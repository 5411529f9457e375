/// How a counter moved between two readings: `change = now − before`, `changePercent = change / before × 100`,
/// both null when either reading is null; the percentage also when `before` is 0.
public struct MetricChange: Sendable, Hashable {
    public var change: Int64?
    public var changePercent: Double?

    public init(now: Int64?, before: Int64?) {
        guard let now, let before else {
            change = nil
            changePercent = nil
            return
        }
        change = now - before
        changePercent = before == 0 ? nil : Double(now - before) / Double(before) * 100
    }
}
