#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Creates the directories the daemon's files live in, owner-only, as `mkdir -p` would.
enum Directories {
    struct CreationError: Error, CustomStringConvertible {
        var description: String
    }

    static func makeParents(of path: String) throws(CreationError) {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path[..<slash].split(separator: "/") {
            prefix += component
            if access(prefix, F_OK) != 0, mkdir(prefix, 0o700) != 0, errno != EEXIST {
                throw CreationError(description: "cannot create directory \(prefix): \(String(cString: strerror(errno)))")
            }
            prefix += "/"
        }
    }
}
