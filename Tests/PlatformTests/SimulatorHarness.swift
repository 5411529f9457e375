import AsyncHTTPClient
import MetricsCore
import NIOCore
import PlatformClients
import PlatformSimulator
import Testing

/// A simulator on 127.0.0.1 with a manual clock, the standard fixture seeded, and clients pointed at it.
struct SimulatorHarness {
    let simulator: PlatformSimulator
    let clock: ManualClock
    let http: HTTPClient

    var instagram: InstagramClient { instagram() }

    func instagram(apiVersion: String = "v25.0", timeout: TimeAmount = .seconds(10)) -> InstagramClient {
        InstagramClient(httpClient: http, baseURL: simulator.baseURL, apiVersion: apiVersion, timeout: timeout, clock: clock)
    }

    var facebook: FacebookClient {
        FacebookClient(httpClient: http, baseURL: simulator.baseURL)
    }

    var tiktok: TikTokClient {
        TikTokClient(
            httpClient: http, baseURL: simulator.baseURL,
            credentials: TikTokAppCredentials(clientKey: "sim-key", clientSecret: "sim-secret"), clock: clock)
    }
}

/// Starts a simulator, runs `body`, and shuts the simulator down whatever happens.
func withSimulator(
    startingAt now: Timestamp = Fixture.now,
    configure: (inout SimulatorConfiguration) -> Void = { _ in },
    seed: SimulatorSeed = Fixture.seed(),
    _ body: (SimulatorHarness) async throws -> Void
) async throws {
    var configuration = SimulatorConfiguration()
    configure(&configuration)
    let clock = ManualClock(now: now)
    let simulator = try await PlatformSimulator.start(configuration: configuration, clock: clock, host: "127.0.0.1", port: 0)
    do {
        try simulator.seed(seed)
        try await body(SimulatorHarness(simulator: simulator, clock: clock, http: HTTPClient.shared))
    } catch {
        try await simulator.shutdown()
        throw error
    }
    try await simulator.shutdown()
}

/// Runs a call that must fail and returns its error (recording an issue if it succeeded).
func failure<T>(
    sourceLocation: SourceLocation = #_sourceLocation, _ call: () async throws -> T
) async -> PlatformError? {
    do {
        _ = try await call()
        Issue.record("expected the call to fail", sourceLocation: sourceLocation)
        return nil
    } catch let error as PlatformError {
        return error
    } catch {
        Issue.record("expected a PlatformError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
