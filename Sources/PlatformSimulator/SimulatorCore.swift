import MetricsCore
import Synchronization

/// The simulator's state and clock, shared by every connection: the one place requests are answered.
///
/// Platform requests run synchronously under the world's lock on the event loop that read them, with no task
/// hop; the control routes (`/_sim/...`) are rare and may take their time with `Codable`.
final class SimulatorCore: Sendable {
    let world: Mutex<SimulatorWorld>
    let clock: any WallClock

    init(configuration: SimulatorConfiguration, clock: any WallClock) {
        world = Mutex(SimulatorWorld(configuration: configuration, startedAt: clock.now))
        self.clock = clock
    }

    func handle(_ request: SimulatedRequest) -> SimulatorReply {
        if request.path.hasPrefix("/_sim") {
            return control(request)
        }
        let now = clock.now
        return world.withLock { $0.handle(request, now: now) }
    }
}
