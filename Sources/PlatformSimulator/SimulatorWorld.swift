import MetricsCore
import NIOCore
import NIOHTTP1

/// Everything the simulated platforms know: accounts, posts, tokens, budgets, stats, pending faults.
///
/// One value behind one lock (`SimulatorCore`): every request is a short, synchronous transaction on it, run on
/// the NIO event loop that received the request. Requests do microseconds of work, so a single lock costs less
/// than any finer scheme would on two cores, and it makes budgets and token rotation trivially consistent.
struct SimulatorWorld: Sendable {
    var configuration: SimulatorConfiguration
    let growth: GrowthTimeline
    /// nil: nothing is published after seeding. Fixed at start (see `SimulatorConfiguration.Publishing`).
    let publishing: PublishingSchedule?
    var accounts: [String: SimulatedAccount] = [:]
    /// Account ids by ordinal (index 0 holds ordinal 1): how a published post's id finds its account.
    var accountOrdinals: [String] = []
    var posts: [String: SimulatedPost] = [:]
    var accessTokens: [String: AccessGrant] = [:]
    var refreshTokens: [String: RefreshGrant] = [:]
    /// Every access and refresh token seeded or issued, in order, spent ones included: what a test searches a
    /// daemon's logs for (`GET /_sim/tokens`).
    var issuedTokens: [String] = []
    var metaAppWindow: SlidingWindowCounter
    var metaAccountWindows: [String: SlidingWindowCounter] = [:]
    var tiktokWindows: [String: SlidingWindowCounter] = [:]
    var stats = SimulatorStats()
    var scriptedFaults: [ScriptedFault] = []
    private var faultRandom: SplitMix64
    /// Feeds trace ids, log ids and new token names; separate from `faultRandom` so responses don't shift faults.
    private var serial: UInt64 = 0

    init(configuration: SimulatorConfiguration, startedAt: Timestamp) {
        self.configuration = configuration
        growth = GrowthTimeline(
            startedAt: configuration.insights.growthSince.flatMap { Timestamp(iso8601: $0) } ?? startedAt,
            speed: configuration.insights.growthSpeed)
        publishing = PublishingSchedule(configuration.publishing, startedAt: startedAt)
        faultRandom = SplitMix64(seed: configuration.faults.seed)
        metaAppWindow = SlidingWindowCounter(
            windowSeconds: configuration.metaLimits.windowSeconds, buckets: configuration.metaLimits.windowBuckets)
    }

    /// A post's counter at `now`, on the world's growth timeline.
    func count(_ name: String, of post: SimulatedPost, at now: Timestamp) -> Int64 {
        post.value(name, now: now, timeline: growth)
    }

    /// Replaces the configuration; budgets restart (their windows depend on it) and the fault generator is reseeded.
    /// The growth speed stays what it was at start (see `GrowthTimeline`).
    mutating func reconfigure(_ configuration: SimulatorConfiguration) {
        self.configuration = configuration
        faultRandom = SplitMix64(seed: configuration.faults.seed)
        metaAppWindow = SlidingWindowCounter(
            windowSeconds: configuration.metaLimits.windowSeconds, buckets: configuration.metaLimits.windowBuckets)
        metaAccountWindows = [:]
        tiktokWindows = [:]
    }

    /// What a route produced, for the stats.
    struct RouteResult {
        var response: SimulatedResponse
        var endpoint: SimulatorEndpoint
        var account: String?
        var outcome: SimulatorStats.Outcome
    }

    mutating func handle(_ request: SimulatedRequest, now: Timestamp) -> SimulatorReply {
        let segments = request.segments
        let isTikTok = segments.first == "v2"
        let fault = nextFault(path: request.path)

        switch fault {
        case .hang, .reset, .serverError:
            let endpoint: SimulatorEndpoint = isTikTok ? .tiktokOther : .graphOther
            stats.record(endpoint, account: nil, outcome: .error, fault: true)
            switch fault {
            case .hang: return .hang
            case .reset: return .reset
            default:
                let response = isTikTok
                    ? TikTokError.internalError.response(logID: nextLogID(now: now))
                    : GraphError.unexpected.response(traceID: nextTraceID())
                return .respond(response, delayMilliseconds: 0)
            }
        case .scriptedGraphError(let error) where !isTikTok:
            let limited = [4, 17, 32, 613, 80001, 80002].contains(error.code)
            stats.record(.graphOther, account: nil, outcome: limited ? .rateLimited : .error, fault: true)
            return .respond(error.response(traceID: nextTraceID()), delayMilliseconds: 0)
        case .scriptedTikTokError(let error) where isTikTok:
            stats.record(.tiktokOther, account: nil, outcome: error.status == .tooManyRequests ? .rateLimited : .error, fault: true)
            return .respond(error.response(logID: nextLogID(now: now)), delayMilliseconds: 0)
        default:
            break
        }

        var result = isTikTok ? tiktok(request, segments: segments, now: now) : graph(request, segments: segments, now: now)
        var delay = 0
        var faulted = false
        switch fault {
        case .malformed:
            // Cut the real answer in half: valid start, broken end, as a proxy dropping bytes would.
            let keep = result.response.body.readableBytes / 2
            result.response.body = result.response.body.getSlice(at: result.response.body.readerIndex, length: keep)
                ?? ByteBuffer()
            result.response.status = .ok
            faulted = true
        case .latency(let milliseconds):
            delay = milliseconds
            faulted = true
        case .headers(let headers):
            for (name, value) in headers.sorted(by: { $0.key < $1.key }) { result.response.setHeader(name, value) }
            faulted = true
        default:
            break
        }
        stats.record(result.endpoint, account: result.account, outcome: result.outcome, fault: faulted)
        return .respond(result.response, delayMilliseconds: delay)
    }

    // MARK: Faults

    enum FaultDecision {
        case none, hang, reset, serverError, malformed
        case latency(Int)
        case headers([String: String])
        case scriptedGraphError(GraphError)
        case scriptedTikTokError(TikTokError)
    }

    /// Scripted faults first (a test asked for exactly this), then the seeded random ones.
    private mutating func nextFault(path: Substring) -> FaultDecision {
        if !scriptedFaults.isEmpty,
           let index = scriptedFaults.firstIndex(where: { fault in
               fault.pathContains.map { path.contains($0) } ?? true
           }) {
            let fault = scriptedFaults[index]
            if fault.times <= 1 {
                scriptedFaults.remove(at: index)
            } else {
                scriptedFaults[index].times -= 1
            }
            switch fault.kind {
            case .graphError(let code, let subcode, let status, let message):
                return .scriptedGraphError(.scripted(code: code, subcode: subcode, httpStatus: status, message: message))
            case .tiktokError(let code, let status):
                return .scriptedTikTokError(.scripted(code: code, httpStatus: status))
            case .serverError: return .serverError
            case .timeout: return .hang
            case .reset: return .reset
            case .malformed: return .malformed
            case .latency(let milliseconds): return .latency(milliseconds)
            case .headers(let headers): return .headers(headers)
            }
        }
        let faults = configuration.faults
        guard !faults.isOff else { return .none }
        var draw = faultRandom.nextUnit()
        let latencyDraw = faultRandom.nextUnit()
        for (rate, decision) in [
            (faults.serverErrorRate, FaultDecision.serverError), (faults.timeoutRate, .hang),
            (faults.resetRate, .reset), (faults.malformedRate, .malformed),
        ] {
            if draw < rate { return decision }
            draw -= rate
        }
        if latencyDraw < faults.latencyRate, faults.latencyMilliseconds > 0 {
            return .latency(faults.latencyMilliseconds)
        }
        return .none
    }

    // MARK: Identifiers

    mutating func nextSerial() -> UInt64 {
        serial += 1
        return serial
    }

    /// Meta's `fbtrace_id`: 11 characters of base64-ish noise.
    mutating func nextTraceID() -> String {
        var generator = SplitMix64(seed: nextSerial() &* 0x2545_F491_4F6C_DD1D)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-".utf8)
        var bytes: [UInt8] = []
        for _ in 0..<11 { bytes.append(alphabet[Int(generator.next() % UInt64(alphabet.count))]) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// TikTok's `log_id`: the UTC time as 14 digits, then 18 upper-case hex characters.
    mutating func nextLogID(now: Timestamp) -> String {
        let digits = now.iso8601.utf8.filter { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.prefix(14)
        var generator = SplitMix64(seed: nextSerial())
        let hex = String(generator.next(), radix: 16, uppercase: true) + String(generator.next() & 0xFF, radix: 16, uppercase: true)
        let padded = String(repeating: "0", count: max(0, 18 - hex.count)) + hex
        return String(decoding: digits, as: UTF8.self) + padded.prefix(18)
    }

    // MARK: Tokens

    enum TokenCheck {
        case valid(AccessGrant)
        case missing
        case unknown
        case expired(AccessGrant, at: Timestamp)
    }

    func checkAccessToken(_ token: String?, now: Timestamp) -> TokenCheck {
        guard let token, !token.isEmpty else { return .missing }
        guard let grant = accessTokens[token] else { return .unknown }
        if let expiresAt = grant.expiresAt, now >= expiresAt { return .expired(grant, at: expiresAt) }
        return .valid(grant)
    }
}
