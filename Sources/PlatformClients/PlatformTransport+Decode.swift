import Telemetry

extension PlatformTransport.Answer {
    /// Parses the body into a response carrying this answer's usage and status. A parse failure carries them
    /// too (the engine reads usage headers on failures as well), with `secrets` redacted from its message.
    /// Counts the call: ok, or the failure's outcome.
    func decode<Value: Sendable>(
        redacting secrets: [String] = [], _ parse: ([UInt8]) throws(PlatformError) -> Value
    ) throws(PlatformError) -> PlatformResponse<Value> {
        do {
            let value = try parse(body)
            telemetry.call(platform, .ok)
            return PlatformResponse(value: value, usage: usage, httpStatus: status)
        } catch {
            telemetry.call(platform, error.kind.callOutcome)
            throw PlatformError(platform: error.platform, kind: error.kind.redacting(secrets), usage: usage, httpStatus: status)
        }
    }
}
