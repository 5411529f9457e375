/// A parsed answer and the usage headers that came with it, so the engine's limiter learns from every call.
public struct PlatformResponse<Value: Sendable>: Sendable {
    public var value: Value
    public var usage: PlatformUsage
    public var httpStatus: Int

    public init(value: Value, usage: PlatformUsage, httpStatus: Int = 200) {
        self.value = value
        self.usage = usage
        self.httpStatus = httpStatus
    }
}

extension PlatformResponse: Equatable where Value: Equatable {}
extension PlatformResponse: Hashable where Value: Hashable {}
