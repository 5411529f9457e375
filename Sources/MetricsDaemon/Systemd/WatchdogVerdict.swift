/// Whether a watchdog probe earns systemd's ping: only when every RPC event loop ran its no-op and the refresh
/// engine's coordinator answered, each within the probe's timeout. A daemon that still holds its socket but
/// cannot answer on it is exactly what the watchdog exists to restart.
public enum WatchdogVerdict: Sendable, Equatable {
    case ping
    /// No ping this time; the reason is logged.
    case withhold(reason: String)

    public static func judge(loopsAnswered: Int, loops: Int, engineAnswered: Bool) -> WatchdogVerdict {
        var stuck: [String] = []
        if loopsAnswered < loops { stuck.append("\(loops - loopsAnswered) of \(loops) event loops did not answer") }
        if !engineAnswered { stuck.append("the refresh engine did not answer") }
        return stuck.isEmpty ? .ping : .withhold(reason: stuck.joined(separator: "; "))
    }
}
