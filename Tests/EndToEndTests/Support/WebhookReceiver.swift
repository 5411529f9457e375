import Crypto
import Foundation
import JSON
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A webhook receiver on 127.0.0.1, as a studio would run one: it answers each POST with the status `respond`
/// chooses (after an optional delay, to keep deliveries in flight) and keeps every request it got.
///
/// It verifies signatures the way the Standard Webhooks libraries do, independently of the daemon's code: HMAC-SHA256
/// of `id.timestamp.body` under the secret's base64-decoded bytes, compared with each `v1,` signature of the header.
final class WebhookReceiver: Sendable {
    struct Delivery: Sendable {
        var headers: [String: String]
        var body: [UInt8]

        var id: String? { headers["webhook-id"] }
        var json: JSON? { try? JSONParser.parse(body) }
        var seq: Int64? { if case .number(let n)? = json?["seq"] { n.int64 } else { nil } }
        var type: String? { if case .string(let t)? = json?["type"] { t } else { nil } }

        /// Whether `webhook-signature` holds a valid `v1` signature of this request under `secret`.
        func isSigned(with secret: String) -> Bool {
            guard let id, let timestamp = headers["webhook-timestamp"], let header = headers["webhook-signature"],
                secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6)))
            else { return false }
            let expected = Data(HMAC<SHA256>.authenticationCode(for: Array("\(id).\(timestamp).".utf8) + body, using: SymmetricKey(data: key)))
            return header.split(separator: " ").contains { signature in
                signature.hasPrefix("v1,") && Data(base64Encoded: String(signature.dropFirst(3))) == expected
            }
        }
    }

    /// What to answer the `index`-th request (0-based): a status, and how long to wait before answering.
    typealias Responder = @Sendable (_ index: Int, _ delivery: Delivery) -> (status: Int, delayMilliseconds: Int64)

    /// What the connections' handlers and the test share.
    private final class Shared: Sendable {
        let state: Mutex<(deliveries: [Delivery], respond: Responder)>
        init(_ respond: @escaping Responder) { state = Mutex(([], respond)) }
    }

    private let channel: any Channel
    private let shared: Shared

    var port: Int { channel.localAddress?.port ?? 0 }
    var url: String { "http://127.0.0.1:\(port)/hooks" }

    var deliveries: [Delivery] { shared.state.withLock { $0.deliveries } }

    init(respond: @escaping Responder = { _, _ in (200, 0) }) throws {
        let shared = Shared(respond)
        self.shared = shared
        channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(shared: shared))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
    }

    /// Answers from now on with `respond` (its index still counts every request since the start).
    func respond(with respond: @escaping Responder) {
        shared.state.withLock { $0.respond = respond }
    }

    func close() {
        try? channel.close().wait()
    }

    deinit {
        channel.close(promise: nil)
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let shared: Shared
        var headers: [String: String] = [:]
        var body: [UInt8] = []

        init(shared: Shared) {
            self.shared = shared
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                headers = Dictionary(head.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { $1 })
                body = []
            case .body(var buffer):
                body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                let delivery = Delivery(headers: headers, body: body)
                let (status, delay) = shared.state.withLock { state in
                    let answer = state.respond(state.deliveries.count, delivery)
                    state.deliveries.append(delivery)
                    return answer
                }
                let context = NIOLoopBound(context, eventLoop: context.eventLoop)
                let handler = NIOLoopBound(self, eventLoop: context.value.eventLoop)
                context.value.eventLoop.scheduleTask(in: .milliseconds(delay)) {
                    handler.value.answer(context: context.value, status: status)
                }
            }
        }

        private func answer(context: ChannelHandlerContext, status: Int) {
            var headers = HTTPHeaders()
            headers.add(name: "content-length", value: "0")
            let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
