/// Watches the calls a dispatcher answers, for metrics, without the codec knowing any metrics library.
///
/// The dispatcher asks for one probe per method when it is built and keeps it beside the method, so recording a
/// call is one call on a probe it already holds: no look-up by name, no allocation.
public protocol RPCCallObserver: Sendable {
    /// Where the calls of the method called `name` are recorded.
    func probe(forMethod name: String) -> any RPCCallProbe
    /// Where requests naming no registered method are recorded (-32601): one probe, never one per caller's text.
    var unknownMethodProbe: any RPCCallProbe { get }
    /// Where entries that are no valid request are recorded (-32700, -32600).
    var invalidRequestProbe: any RPCCallProbe { get }
}

/// One method's recorder.
public protocol RPCCallProbe: Sendable {
    /// A call was answered (or, for a notification, finished): `errorCode` nil for a result; `duration` from
    /// the dispatch of its entry to its outcome (zero for entries that reached no method).
    func answered(errorCode: Int?, duration: Duration)
}

/// Records nothing: the dispatcher's probes when nobody observes it.
struct IgnoringProbe: RPCCallProbe {
    func answered(errorCode: Int?, duration: Duration) {}
}
