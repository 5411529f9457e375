import CoreMetrics
import Synchronization

/// The socket's instruments: requests and latency per method, open and refused connections, permission denials.
/// The dispatcher reports to it through `RPCTelemetryObserver` (the daemon's): JSON-RPC's outcomes are known there,
/// not on the socket, and this module stays below the codec.
public final class RPCTelemetry: Sendable {
    private let factory: any MetricsFactory
    private let methods = Mutex<[String: RPCMethodInstruments]>([:])
    /// Requests naming no method the daemon has: counted under one label, never under the caller's text.
    public let unknownMethod: RPCMethodInstruments
    /// Entries that are no request at all (-32700 parse error, -32600 invalid request).
    public let invalidRequest: RPCMethodInstruments
    public let openConnections: Meter
    public let refusedConnections: Counter

    init(factory: any MetricsFactory) {
        self.factory = factory
        unknownMethod = RPCMethodInstruments(name: "unknown", factory: factory, routed: false)
        invalidRequest = RPCMethodInstruments(name: "invalid", factory: factory, routed: false)
        openConnections = Meter(label: Instruments.rpcConnections.name, factory: factory)
        refusedConnections = Counter(label: Instruments.rpcConnectionsRefused.name, factory: factory)
    }

    /// The instruments of the method called `name`, made on first use and shared afterwards: a dispatcher asks
    /// once per method when it is built and keeps them beside the method, so a call records with no look-up.
    /// The access policy asks here too, for `permissionDenied()`.
    public func method(_ name: String) -> RPCMethodInstruments {
        methods.withLock { table in
            if let existing = table[name] { return existing }
            let made = RPCMethodInstruments(name: name, factory: factory, routed: true)
            table[name] = made
            return made
        }
    }

}

/// One method's instruments. Recording an answer costs an atomic add and a histogram update under its lock: no
/// allocation (the `ok` counter and the timer exist from the start; an error code's counter is made the first time
/// that code is answered and found in a small table after that). Measured on the dispatcher with and without an
/// observer, 100,000 `latestMetrics`-shaped lines: 36 mallocs per line both ways (an LD_PRELOAD malloc counter),
/// and 11.0 µs against 9.9 µs per line in a debug build, the clock reads and the histogram's bucket scan included.
///
/// The two pseudo-methods of entries that reach no method (`unknown`, `invalid`) have error counters only: they
/// never succeed, take no time worth a histogram, and no policy sees them.
public final class RPCMethodInstruments: Sendable {
    public let name: String
    private let factory: any MetricsFactory
    private let succeeded: Counter?
    private let duration: Timer?
    private let denials: Counter?
    private let failed = Mutex<[Int: Counter]>([:])

    init(name: String, factory: any MetricsFactory, routed: Bool) {
        self.name = name
        self.factory = factory
        guard routed else {
            (succeeded, duration, denials) = (nil, nil, nil)
            return
        }
        succeeded = Counter(label: Instruments.rpcRequests.name, dimensions: [("method", name), ("code", "ok")], factory: factory)
        duration = Timer(label: Instruments.rpcDuration.name, dimensions: [("method", name)], factory: factory)
        denials = Counter(label: Instruments.rpcPermissionDenials.name, dimensions: [("method", name)], factory: factory)
    }

    /// One answered request: `errorCode` nil for a result.
    public func answered(errorCode: Int?, duration elapsed: Duration) {
        if let errorCode {
            failures(errorCode).increment()
        } else {
            succeeded?.increment()
        }
        duration?.recordNanoseconds(Self.nanoseconds(elapsed))
    }

    /// A call the access policy refused. Its answer is counted by `answered` as well, under its error code.
    public func permissionDenied() {
        denials?.increment()
    }

    private func failures(_ code: Int) -> Counter {
        failed.withLock { table in
            if let counter = table[code] { return counter }
            let counter = Counter(
                label: Instruments.rpcRequests.name, dimensions: [("method", name), ("code", String(code))], factory: factory)
            table[code] = counter
            return counter
        }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }
}
