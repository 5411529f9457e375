import AsyncHTTPClient
#if canImport(Glibc)
import Glibc
#endif
import MetricsCore
import NIOCore
import NIOPosix

/// How a delivery reaches an endpoint: one POST, answered by a status, a timeout or a connection failure. A protocol
/// so the deliverer's loop is driven without sockets where a test wants that.
protocol WebhookTransport: Sendable {
    func post(url: String, headers: [(String, String)], body: [UInt8]) async -> WebhookAttemptResult
}

/// POSTs with AsyncHTTPClient (http and https), no redirects followed (a 3xx is a failure, as the spec advises),
/// each request bounded by `timeout` from start to answer. The response body is read (a little of it) and dropped:
/// only the status counts.
struct HTTPWebhookTransport: WebhookTransport {
    let client: HTTPClient
    let timeout: TimeAmount

    static let userAgent = "metricsd-webhooks"

    /// A client for the deliverer alone, on the shared event loops: a slow receiver never holds a platform call's
    /// connection, nor the platform calls a delivery's.
    static func makeClient(timeout: TimeAmount) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: timeout, read: timeout)
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 8)
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }

    func post(url: String, headers: [(String, String)], body: [UInt8]) async -> WebhookAttemptResult {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "user-agent", value: Self.userAgent)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: timeout)
            // Drained so the connection can be kept; what it says does not matter, and a huge one is cut short.
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return .status(Int(response.status.code))
        } catch {
            return Self.result(of: error)
        }
    }

    /// A failure in words of our own (an error's own description can be long, or change between versions).
    static func result(of error: any Error) -> WebhookAttemptResult {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout, .tlsHandshakeTimeout:
                return .timeout
            case .remoteConnectionClosed:
                return .connectionFailed("the connection closed before an answer")
            case .cancelled:
                return .connectionFailed("cancelled")
            case .invalidURL, .emptyHost, .emptyScheme:
                return .connectionFailed("the URL cannot be requested")
            default:
                return .connectionFailed("the request failed before an answer")
            }
        }
        if let error = error as? NIOConnectionError {
            return .connectionFailed("cannot connect to \(error.host):\(error.port)")
        }
        if let error = error as? IOError {
            return .connectionFailed("connection failed: \(String(cString: strerror(error.errnoCode)))")
        }
        if error is CancellationError { return .connectionFailed("cancelled") }
        return .connectionFailed("the request failed (\(type(of: error)))")
    }
}
