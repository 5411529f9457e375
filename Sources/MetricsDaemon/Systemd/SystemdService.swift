import Logging
import ServiceLifecycle

/// systemd's side of the daemon's life, as a service: the watchdog's pings while everything answers, and
/// `STOPPING=1` when graceful shutdown begins. (`READY=1` is the socket's to send, once it listens.)
///
/// Listed last in the daemon's group, so graceful shutdown, which runs in reverse order, reaches it first:
/// systemd hears `STOPPING=1` the moment the signal arrives, not after the socket has drained.
struct SystemdService: Service, CustomStringConvertible {
    let notifier: SystemdNotifier
    let watchdog: WatchdogSchedule?
    let probe: LivenessProbe
    let logger: Logger

    var description: String { "SystemdService" }

    func run() async throws {
        if let watchdog {
            logger.info("systemd watchdog on", metadata: ["interval": "\(watchdog.interval)"])
            try? await cancelWhenGracefulShutdown { try await pingWhileAnswering(watchdog) }
        } else {
            try? await gracefulShutdown()
        }
        notifier.send(.stopping)
    }

    /// Probes, pings if the probe says so, and sleeps out the rest of the interval; until cancelled.
    private func pingWhileAnswering(_ watchdog: WatchdogSchedule) async throws {
        let clock = ContinuousClock()
        while true {
            let started = clock.now
            switch await probe.run(timeout: watchdog.probeTimeout) {
            case .ping:
                notifier.send(.watchdog)
            case .withhold(let reason):
                logger.error("withholding the systemd watchdog ping", metadata: ["reason": "\(reason)"])
            }
            try await clock.sleep(until: started + watchdog.interval)
        }
    }
}
