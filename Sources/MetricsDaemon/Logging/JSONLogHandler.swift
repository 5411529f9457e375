#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import MetricsCore
import Synchronization

/// swift-log's `LogHandler` for `--log-format json`: each entry is one `JSONLogLine` on stderr.
///
/// A line is written whole under a process-wide lock, so entries from different threads never interleave, even
/// past the pipe's atomic-write size (4 KiB) where two plain `write`s could.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let descriptor: CInt

    /// `descriptor`: stderr by default; tests pass a file's.
    public init(label: String, level: Logger.Level, descriptor: CInt = STDERR_FILENO, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.logLevel = level
        self.descriptor = descriptor
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let own = event.metadata { merged.merge(own) { $1 } }
        // Real time, not the daemon's clock: a log line says when the process did something, even on --clock-speed.
        let line = JSONLogLine.render(
            time: SystemClock().now.iso8601, level: event.level, label: label, message: event.message.description,
            source: event.source, error: event.error, metadata: merged)
        Self.lock.withLock { _ in
            line.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return
                    }
                    offset += written
                }
            }
        }
    }

    private static let lock = Mutex(())
}
