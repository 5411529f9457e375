import JSON
import NIOCore
import NIOHTTP1

/// One HTTP request as the simulator's routes see it: already split into path and query, body gathered.
struct SimulatedRequest: Sendable {
    var method: HTTPMethod
    var path: Substring
    var query: URLQuery
    var authorization: String?
    /// The `Host` header, to build Graph's absolute `paging.next` URLs.
    var host: String?
    var body: ByteBuffer?

    init(method: HTTPMethod, uri: String, headers: HTTPHeaders, body: ByteBuffer?) {
        self.method = method
        if let question = uri.firstIndex(of: "?") {
            path = uri[..<question]
            query = URLQuery(uri[uri.index(after: question)...])
        } else {
            path = uri[...]
            query = URLQuery()
        }
        authorization = headers.first(name: "authorization")
        host = headers.first(name: "host")
        self.body = body
    }

    /// The path's segments without empty ones, so `/v2/video/query/` and `/v2/video/query` route alike.
    var segments: [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }

    var bodyBytes: [UInt8] {
        guard var body else { return [] }
        return body.readBytes(length: body.readableBytes) ?? []
    }
}

/// An answer, before faults decide whether and when it is sent.
struct SimulatedResponse: Sendable {
    var status: HTTPResponseStatus
    var headers: [(String, String)]
    var body: ByteBuffer

    init(status: HTTPResponseStatus = .ok, headers: [(String, String)] = [], body: ByteBuffer) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    init(status: HTTPResponseStatus = .ok, headers: [(String, String)] = [], json writer: JSONWriter) {
        self.init(status: status, headers: headers, body: ByteBuffer(bytes: writer.bytes))
    }

    mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.0.lowercased() == name.lowercased() }
        headers.append((name, value))
    }
}

/// What the connection handler does with a request: answer (maybe late), never answer, or drop the connection.
enum SimulatorReply: Sendable {
    case respond(SimulatedResponse, delayMilliseconds: Int)
    case hang
    case reset
}
