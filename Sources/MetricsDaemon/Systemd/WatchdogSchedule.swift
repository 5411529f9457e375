/// When to ping systemd's watchdog, read from the environment a `WatchdogSec=` unit gives (sd_watchdog_enabled(3)).
public struct WatchdogSchedule: Sendable, Equatable {
    /// systemd kills the service when no `WATCHDOG=1` arrives for this long.
    public var timeout: Duration

    /// Half the timeout, as sd_watchdog_enabled(3) advises: one late or withheld ping is survived, two are not.
    public var interval: Duration { timeout / 2 }

    /// How long the event loops and the engine get to answer a probe: a quarter of the timeout (so a probe and
    /// its ping fit in one interval), at most 5 s (longer means stuck whatever the timeout).
    public var probeTimeout: Duration { min(timeout / 4, .seconds(5)) }

    public init(timeout: Duration) {
        self.timeout = timeout
    }

    /// nil unless `$WATCHDOG_USEC` is a positive number and `$WATCHDOG_PID`, when set, is this process (a
    /// variable inherited from a parent that was watched is not an order to this process).
    public static func parse(environment: [String: String], processID: Int32) -> WatchdogSchedule? {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = Int64(text), microseconds > 0 else { return nil }
        if let pid = environment["WATCHDOG_PID"], Int32(pid) != processID { return nil }
        return WatchdogSchedule(timeout: .microseconds(microseconds))
    }
}
