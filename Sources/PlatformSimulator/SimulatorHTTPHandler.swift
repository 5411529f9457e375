import NIOCore
import NIOHTTP1
import NIOPosix

/// One connection's HTTP/1.1 traffic: gathers a request, has the core answer it right here on the event loop,
/// and writes the answer back (late, never, or as a reset when a fault says so). Keep-alive is the default;
/// `HTTPServerPipelineHandler` in front keeps pipelined requests in order.
final class SimulatorHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let core: SimulatorCore
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?

    init(core: SimulatorCore) {
        self.core = core
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = nil
        case .body(var chunk):
            if var gathered = body {
                body = nil
                gathered.writeBuffer(&chunk)
                body = gathered
            } else {
                body = chunk
            }
        case .end:
            guard let requestHead = head else { return }
            head = nil
            let request = SimulatedRequest(
                method: requestHead.method, uri: requestHead.uri, headers: requestHead.headers, body: body)
            body = nil
            switch core.handle(request) {
            case .respond(let response, let delay) where delay > 0:
                context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(delay))) {
                    self.write(response, for: requestHead, context: context)
                }
            case .respond(let response, _):
                write(response, for: requestHead, context: context)
            case .hang:
                // Never answer: the client's own timeout is what is being tested.
                break
            case .reset:
                // SO_LINGER 0 turns the close into an RST, which clients see as "connection reset by peer".
                let channel = context.channel
                if let socket = channel as? any SocketOptionProvider {
                    socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
                } else {
                    channel.close(promise: nil)
                }
            }
        }
    }

    private func write(_ response: SimulatedResponse, for request: HTTPRequestHead, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders()
        headers.reserveCapacity(response.headers.count + 4)
        headers.add(name: "Content-Type", value: "application/json; charset=UTF-8")
        headers.add(name: "Content-Length", value: String(response.body.readableBytes))
        for (name, value) in response.headers {
            headers.add(name: name, value: value)
        }
        let keepAlive = request.isKeepAlive
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let head = HTTPResponseHead(version: request.version, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
