#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
import StorageContract
#endif

/// Prepares the database file before SQLite opens it.
///
/// SQLite creates a missing file with the process umask (often 0644), and gives the `-wal`/`-shm` files the
/// main file's mode. Creating the file ourselves with 0600 first keeps tokens unreadable to other users
/// from the first byte on.
enum DatabaseFile {
    struct SetupError: Error, CustomStringConvertible {
        var description: String
    }

    static func prepare(path: String) throws(SetupError) {
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw SetupError(description: "cannot open database file \(path): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
    }
}
