extension PlatformTransport.Answer {
    /// Parses the body into a response carrying this answer's usage and status. A parse failure carries them
    /// too (the engine reads usage headers on failures as well), with `secrets` redacted from its message.
    func decode<Value: Sendable>(
        redacting secrets: [String] = [], _ parse: ([UInt8]) throws(PlatformError) -> Value
    ) throws(PlatformError) -> PlatformResponse<Value> {
        do {
            return PlatformResponse(value: try parse(body), usage: usage, httpStatus: status)
        } catch {
            throw PlatformError(platform: error.platform, kind: error.kind.redacting(secrets), usage: usage, httpStatus: status)
        }
    }
}
