import ServiceLifecycle
import UnixSignals

/// Reloads the access file on SIGHUP, until graceful shutdown. A bad file keeps the policy in force.
struct AccessReloadService: Service {
    let access: AccessControl

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        try await cancelWhenGracefulShutdown {
            for await _ in hangups {
                access.reload()
            }
        }
    }
}
