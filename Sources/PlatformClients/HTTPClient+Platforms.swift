import AsyncHTTPClient
import NIOCore

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
