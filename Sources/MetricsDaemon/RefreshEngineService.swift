import RefreshEngine
import ServiceLifecycle

/// Stops the engine's runs on graceful shutdown, after the socket stopped accepting.
struct RefreshEngineService: Service, CustomStringConvertible {
    let engine: RefreshEngine

    var description: String { "RefreshEngineService" }

    func run() async throws {
        try? await gracefulShutdown()
        await engine.shutdown()
    }
}
