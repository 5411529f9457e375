import AsyncHTTPClient
import NIOCore
import NIOPosix

extension HTTPClient {
    /// An HTTP client sized for the refresh: many keep-alive connections per platform host, so thousands of
    /// posts a second are not serialized behind AsyncHTTPClient's default of 8. The caller owns it and must
    /// `shutdown()` it; all three platform clients can share one.
    public static func makeForPlatforms(
        eventLoopGroup: any EventLoopGroup = HTTPClient.defaultEventLoopGroup,
        maxConnectionsPerHost: Int = 64,
        connectTimeout: TimeAmount = .seconds(10),
        readTimeout: TimeAmount = .seconds(30),
        idleTimeout: TimeAmount = .seconds(60)
    ) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(
            idleTimeout: idleTimeout, concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnectionsPerHost)
        configuration.timeout = .init(connect: connectTimeout, read: readTimeout)
        configuration.redirectConfiguration = .disallow
        configuration.httpVersion = .http1Only
        return HTTPClient(eventLoopGroup: eventLoopGroup, configuration: configuration)
    }
}

/// Runs `body` with an HTTP client sized for the refresh on an event loop of its own, and shuts both down when
/// `body` ends, however it ends: the client's lifetime is this scope.
///
/// Its own loop: HTTP parsing for a big refresh never competes with the RPC server's loops, so reads answer
/// as fast during a refresh as without one.
public func withPlatformHTTPClient<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
    try await MultiThreadedEventLoopGroup.withEventLoopGroup(numberOfThreads: 1) { loops in
        let client = HTTPClient.makeForPlatforms(eventLoopGroup: loops)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(client))
        } catch {
            result = .failure(error)
        }
        try? await client.shutdown()
        return try result.get()
    }
}
