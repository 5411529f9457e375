import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// `GET /metrics` over HTTP/1.1, on the daemon's event loops: what a Prometheus server scrapes.
///
/// Bound by `bind` (so a port in use fails the daemon's start, before systemd hears READY=1), served by `serve`
/// until the calling task is cancelled: one task per connection, each connection's errors kept to itself (the
/// shape of swift-nio's NIOTCPEchoServer). Anything but `GET`/`HEAD /metrics` gets 404 or 405.
struct MetricsHTTPServer: Sendable {
    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    let channel: NIOAsyncChannel<Connection, Never>
    /// The address bound, with the port the OS chose for port 0.
    let boundPort: Int

    static func bind(_ address: MetricsListenAddress, group: any EventLoopGroup) async throws -> MetricsHTTPServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: address.host, port: address.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        return MetricsHTTPServer(channel: channel, boundPort: channel.channel.localAddress?.port ?? address.port)
    }

    /// Serves until cancelled; `exposition` makes each answer's body.
    func serve(logger: Logger, exposition: @escaping @Sendable () async -> String) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            try await channel.executeThenClose { connections in
                for try await connection in connections {
                    group.addTask {
                        do {
                            try await Self.answer(connection, exposition: exposition)
                        } catch {
                            logger.debug("metrics connection failed", metadata: ["error": "\(error)"])
                        }
                    }
                }
            }
        }
    }

    private static func answer(_ connection: Connection, exposition: @Sendable () async -> String) async throws {
        try await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            for try await part in inbound {
                switch part {
                case .head(let request):
                    head = request
                case .body:
                    break
                case .end:
                    guard let request = head else { continue }
                    head = nil
                    let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
                    let (status, body): (HTTPResponseStatus, String)
                    if path != "/metrics" {
                        (status, body) = (.notFound, "metricsd serves /metrics only\n")
                    } else if request.method != .GET, request.method != .HEAD {
                        (status, body) = (.methodNotAllowed, "GET /metrics\n")
                    } else {
                        (status, body) = (.ok, await exposition())
                    }
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: status == .ok ? DaemonMetrics.contentType : "text/plain; charset=utf-8")
                    headers.add(name: "Content-Length", value: String(body.utf8.count))
                    if status == .methodNotAllowed { headers.add(name: "Allow", value: "GET, HEAD") }
                    let keepAlive = request.isKeepAlive
                    if !keepAlive { headers.add(name: "Connection", value: "close") }
                    try await outbound.write(.head(HTTPResponseHead(version: request.version, status: status, headers: headers)))
                    if request.method != .HEAD {
                        try await outbound.write(.body(.byteBuffer(ByteBuffer(string: body))))
                    }
                    try await outbound.write(.end(nil))
                    if !keepAlive { return }
                }
            }
        }
    }
}
