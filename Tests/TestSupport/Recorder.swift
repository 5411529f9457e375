import Synchronization

/// Values recorded from wherever a callback runs (another task, an event loop, a thread), read back by the test: a
/// `Mutex` around an array, so it is `Sendable` as checked, not `@unchecked`.
public final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])

    public init() {}

    public func append(_ value: Value) {
        values.withLock { $0.append(value) }
    }

    /// Everything recorded so far, in order.
    public var all: [Value] { values.withLock { $0 } }

    public var count: Int { values.withLock { $0.count } }
}
