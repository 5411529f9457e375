/// One instrument as an operator sees it: the exported name, what it means, its labels and, for histograms,
/// its bucket bounds. `Instruments` lists them all; the Prometheus exporter reads help and buckets from here.
public struct Instrument: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case counter
        case gauge
        /// Upper bounds of the buckets, in the instrument's unit (seconds for `_seconds`).
        case histogram(buckets: [Double])
    }

    public let name: String
    public let kind: Kind
    public let labels: [String]
    public let help: String

    public init(_ name: String, _ kind: Kind, labels: [String] = [], help: String) {
        self.name = name
        self.kind = kind
        self.labels = labels
        self.help = help
    }
}
