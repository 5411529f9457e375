#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JSON
import JSONRPC

/// A blocking JSON-RPC connection over a Unix socket: what a CLI, a test or a benchmark driver needs, with
/// no event loop to start. One caller at a time; open several for concurrency.
public final class RPCConnection {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var nextID = 1

    /// Connects to `socketPath`; `timeoutSeconds` bounds every later send and receive (nil waits forever).
    public init(socketPath: String, timeoutSeconds: Double? = 30) throws(RPCClientError) {
        #if canImport(Glibc)
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else {
            throw .cannotConnect(path: socketPath, reason: String(cString: strerror(errno)))
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(socketPath.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else {
            close(descriptor)
            throw .cannotConnect(path: socketPath, reason: "path longer than \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path)
            raw[path.count] = 0
        }
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw .cannotConnect(path: socketPath, reason: reason)
        }
        if let timeoutSeconds {
            var interval = timeval(tv_sec: Int(timeoutSeconds), tv_usec: .init((timeoutSeconds - timeoutSeconds.rounded(.down)) * 1_000_000))
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        }
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// Calls `method` and waits for its reply. Server notifications that arrive first (progress) are passed
    /// to `onNotification`; replies to other ids are an error, since this connection has one call in flight.
    public func call(
        _ method: String, params: JSON? = nil, onNotification: (String, JSON) -> Void = { _, _ in }
    ) throws(RPCClientError) -> Result<JSON, RPCError> {
        let id = nextID
        nextID += 1
        var request: JSONObject = ["jsonrpc": "2.0", "id": .int(id), "method": .string(method)]
        if let params { request.append("params", params) }
        try send(JSONWriter.serialize(.object(request)) + [0x0A])
        while true {
            guard let line = try readLine() else {
                throw .connectionLost("the daemon closed the connection before replying")
            }
            let reply: JSON
            do {
                reply = try JSONParser.parse(line)
            } catch {
                throw .invalidReply(error.description)
            }
            if reply["id"] == nil, case .string(let name)? = reply["method"] {
                onNotification(name, reply["params"] ?? .null)
                continue
            }
            guard reply["id"] == .int(id) else {
                throw .invalidReply("reply for id \(reply["id"].map(JSONWriter.string) ?? "none"), expected \(id)")
            }
            if let result = reply["result"] {
                return .success(result)
            }
            guard case .object(let error)? = reply["error"], case .number(let code)? = error["code"], let intCode = code.int64,
                  case .string(let message)? = error["message"]
            else {
                throw .invalidReply("neither result nor a well-formed error")
            }
            return .failure(RPCError(code: Int(intCode), message: message, data: error["data"]))
        }
    }

    /// Writes raw bytes: for callers that speak the protocol themselves (tests of malformed input).
    public func send(_ bytes: [UInt8]) throws(RPCClientError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { raw in
                #if canImport(Glibc)
                Glibc.send(descriptor, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
                #else
                Darwin.send(descriptor, raw.baseAddress, raw.count, 0)
                #endif
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw .connectionLost(String(cString: strerror(errno)))
            }
            offset += written
        }
    }

    public func send(_ text: String) throws(RPCClientError) {
        try send(Array(text.utf8))
    }

    /// Lets receives wait as long as it takes (a subscriber waiting for the next event), or bounds them again.
    public func setReceiveTimeout(seconds: Double?) {
        let seconds = seconds ?? 0  // SO_RCVTIMEO 0: no timeout
        var interval = timeval(tv_sec: Int(seconds), tv_usec: .init((seconds - seconds.rounded(.down)) * 1_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Signals end of input while keeping the read side open, as `socat` does when its stdin ends.
    public func shutdownWrite() {
        shutdown(descriptor, Int32(SHUT_WR))
    }

    /// The next `\n`-terminated line (without it), or nil at EOF.
    public func readLine() throws(RPCClientError) -> [UInt8]? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                let reason = errno == EAGAIN || errno == EWOULDBLOCK ? "timed out waiting for a reply" : String(cString: strerror(errno))
                throw .connectionLost(reason)
            }
            if count == 0 {
                guard !buffer.isEmpty else { return nil }
                defer { buffer.removeAll() }
                return buffer
            }
            buffer.append(contentsOf: chunk[..<count])
        }
    }

    /// Every line until the daemon closes the connection.
    public func readAllLines() throws(RPCClientError) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        while let line = try readLine() {
            lines.append(line)
        }
        return lines
    }
}
