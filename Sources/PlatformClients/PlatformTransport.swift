import AsyncHTTPClient
import Logging
import MetricsCore
import NIOCore
import NIOHTTP1
import Telemetry

/// The HTTP leg every client shares: send, collect the body, parse usage headers, and map transport failures to
/// `PlatformError` kinds. Logs name the endpoint and the status, never the URL (Graph puts tokens in the query).
///
/// Every call is counted once in `metricsd_platform_calls_total`, where its outcome becomes known: here when
/// no answer came, in the client when a non-2xx answer is classified, in `Answer.decode` when a 2xx answer is
/// read (a 200 whose body says "error" is no success).
struct PlatformTransport: Sendable {
    let httpClient: HTTPClient
    let timeout: TimeAmount
    let maxResponseBytes: Int
    let logger: Logger
    let telemetry: PlatformTelemetry

    struct Answer {
        var platform: Platform
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
        var usage: PlatformUsage
        /// Where `decode` counts the call's outcome.
        var telemetry: PlatformTelemetry
    }

    /// Returns any HTTP answer (the caller decides what a 4xx means); throws only when none arrived.
    /// `secrets` are redacted from every message this produces.
    func send(
        platform: Platform, endpoint: String, method: HTTPMethod, url: String, headers: HTTPHeaders = HTTPHeaders(),
        body: ByteBuffer? = nil, secrets: [String]
    ) async throws(PlatformError) -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers = headers
        if let body { request.body = .bytes(body) }
        if logger.logLevel <= .trace {
            // The URL of a Graph call carries the token in its query, percent-encoded: both spellings are blanked.
            let url = Self.redact(url, secrets: secrets + secrets.map(QueryString.escape))
            logger.trace("platform request", metadata: ["endpoint": "\(endpoint)", "method": "\(method.rawValue)", "url": "\(url)"])
        }
        do {
            let response = try await httpClient.execute(request, timeout: timeout)
            let collected = try await response.body.collect(upTo: maxResponseBytes)
            let status = Int(response.status.code)
            logger.debug("platform call", metadata: ["endpoint": "\(endpoint)", "status": "\(status)"])
            return Answer(
                platform: platform, status: status, headers: response.headers,
                body: Array(collected.readableBytesView), usage: UsageHeaderParser.parse(response.headers), telemetry: telemetry)
        } catch {
            logger.debug("platform call failed", metadata: ["endpoint": "\(endpoint)"])
            let kind = Self.classify(transportError: error, secrets: secrets)
            telemetry.call(platform, kind.callOutcome)
            throw PlatformError(platform: platform, kind: kind)
        }
    }

    /// Counts a call whose answer was refused before any parsing (a non-2xx status, classified by the caller).
    func refused(_ error: PlatformError) -> PlatformError {
        telemetry.call(error.platform, error.kind.callOutcome)
        return error
    }

    /// No answer at all: cancellation is its own kind; everything else (timeouts, resets, refused connections,
    /// bodies cut short) is worth a retry.
    static func classify(transportError error: any Error, secrets: [String]) -> PlatformError.Kind {
        if error is CancellationError { return .cancelled }
        if let client = error as? HTTPClientError {
            if client == .cancelled { return .cancelled }
            if client == .readTimeout || client == .deadlineExceeded || client == .connectTimeout {
                return .transient(code: "timeout", message: "the platform did not answer in time")
            }
            if client == .remoteConnectionClosed {
                return .transient(code: "connection_closed", message: "the platform closed the connection")
            }
        }
        if error is NIOTooManyBytesError {
            return .malformed("the answer is larger than the client accepts")
        }
        return .transient(code: "transport", message: redact(String(describing: error), secrets: secrets))
    }

    static func redact(_ text: String, secrets: [String]) -> String {
        var result = text
        for secret in secrets where !secret.isEmpty {
            result = result.replacing(secret, with: "[redacted]")
        }
        return result
    }
}

/// Query strings built by hand: tokens and metric lists must be percent-encoded exactly once.
enum QueryString {
    static func encode(_ parameters: [(String, String)]) -> String {
        parameters.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                 UInt8(ascii: "~"), UInt8(ascii: ","), UInt8(ascii: "("), UInt8(ascii: ")"):
                // Commas and parentheses stay readable: Graph's `fields` and `metric` lists are written with them.
                bytes.append(byte)
            default:
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension String {
    /// `https://host/` → `https://host`, so paths can be appended with one slash.
    var withoutTrailingSlash: String {
        var result = self
        while result.hasSuffix("/") { result.removeLast() }
        return result
    }
}
