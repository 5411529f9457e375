import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// Raw HTTP against the simulator, to check it looks like the real APIs on the wire (what `curl` would see).
enum HTTPProbe {
    struct Response {
        var status: Int
        var headers: HTTPHeaders
        var body: String
    }

    static func get(_ url: String, headers: [String: String] = [:]) async throws -> Response {
        try await send(url, method: .GET, body: nil, headers: headers)
    }

    static func post(_ url: String, body: String, headers: [String: String] = [:]) async throws -> Response {
        try await send(url, method: .POST, body: body, headers: headers)
    }

    static func send(_ url: String, method: HTTPMethod, body: String?, headers: [String: String] = [:]) async throws -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return Response(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }
}
