import JSONRPC
import Telemetry

/// The dispatcher's observer over the socket's instruments: Telemetry knows no JSON-RPC and the codec knows no
/// metrics library, so the daemon, which holds both, joins them here. One probe per method, made when the
/// dispatcher is built: recording a call stays one call on a probe it already holds.
struct RPCTelemetryObserver: RPCCallObserver {
    let telemetry: RPCTelemetry

    func probe(forMethod name: String) -> any RPCCallProbe { Probe(instruments: telemetry.method(name)) }
    var unknownMethodProbe: any RPCCallProbe { Probe(instruments: telemetry.unknownMethod) }
    var invalidRequestProbe: any RPCCallProbe { Probe(instruments: telemetry.invalidRequest) }

    struct Probe: RPCCallProbe {
        let instruments: RPCMethodInstruments

        func answered(errorCode: Int?, duration: Duration) {
            instruments.answered(errorCode: errorCode, duration: duration)
        }
    }
}
