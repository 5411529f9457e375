#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where metricsd puts its socket and database when not told, shared by `metricsd` and `metricsctl` so
/// both agree without configuration. Root gets the FHS places; anyone else gets per-user XDG places.
public enum DefaultLocations {
    public static let version = "0.1.0"

    /// `$METRICSD_SOCKET`, else `/run/metricsd/metricsd.sock` for root, else
    /// `$XDG_RUNTIME_DIR/metricsd/metricsd.sock`, else `/tmp/metricsd-UID/metricsd.sock`.
    public static func socketPath(environment: [String: String]) -> String {
        if let explicit = environment["METRICSD_SOCKET"], !explicit.isEmpty { return explicit }
        if getuid() == 0 { return "/run/metricsd/metricsd.sock" }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { return "\(runtime)/metricsd/metricsd.sock" }
        return "/tmp/metricsd-\(getuid())/metricsd.sock"
    }

    /// `$METRICSD_DATABASE`, else `/var/lib/metricsd/metrics.sqlite` for root, else
    /// `$XDG_DATA_HOME/metricsd/metrics.sqlite`, else `~/.local/share/metricsd/metrics.sqlite`.
    public static func databasePath(environment: [String: String]) -> String {
        if let explicit = environment["METRICSD_DATABASE"], !explicit.isEmpty { return explicit }
        if getuid() == 0 { return "/var/lib/metricsd/metrics.sqlite" }
        if let data = environment["XDG_DATA_HOME"], !data.isEmpty { return "\(data)/metricsd/metrics.sqlite" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp/metricsd-\(getuid())"
        return "\(home)/.local/share/metricsd/metrics.sqlite"
    }
}
