/// A failure that writes itself for people: what a caller's error, a log line or a run record may say of it as it
/// is. A store's own errors and each backend's driver errors it lets out conform; nothing else is trusted to.
public protocol DescribedFailure: Error {
    /// One sentence, safe anywhere: no password, no statement, no bindings.
    var sentence: String { get }
}

/// The text of any failure for a caller, a log line or a run record. A `DescribedFailure` says its sentence; anything
/// else is named by its type only, never by `"\(error)"` or its reflection, which for a database driver's error can
/// carry the statement and its bindings (account tokens among them).
public func failureSentence(_ error: any Error) -> String {
    switch error {
    case let described as any DescribedFailure: described.sentence
    case is CancellationError: "cancelled"
    default:
        if let reason = StorageUnavailable.reason(of: error) { "storage unavailable: \(reason)" } else { "unexpected failure (\(type(of: error)))" }
    }
}

extension StoreError: DescribedFailure {
    public var sentence: String { description }
}

extension StorageUnavailable: DescribedFailure {
    public var sentence: String { description }
}
