import PlatformClients
import StorageContract

/// A platform's failure says itself in logs and run records: its text names the platform, the code and the
/// platform's message, with the account's tokens redacted by the clients (the same text a caller gets from a
/// method, `Platform error: …`), so `failureSentence` need not fall back to the type's name for it.
extension PlatformError: DescribedFailure {
    public var sentence: String { description }
}
