/// Why the engine refused a request (as opposed to a post failing inside a run, which is reported in the run).
public struct RefreshEngineError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The account's token no longer works; it must be registered again with a fresh one.
        case accountNotConnected
        /// The daemon is shutting down and starts no new runs.
        case shuttingDown
    }

    public var kind: Kind
    public var field: String?
    public var message: String

    public var description: String { message }
}
