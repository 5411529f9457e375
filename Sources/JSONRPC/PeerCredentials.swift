/// Who is on the other end of a connection, as the kernel vouches for it when the socket is a local one.
///
/// Read once when the connection opens and handed to every call on it, so a method (and, later, an access
/// policy) can tell callers apart by the account they run as rather than by anything they claim in a request.
/// The kernel records these when the client connects; a client that changes user afterwards keeps them.
public struct PeerCredentials: Sendable, Hashable, CustomStringConvertible {
    public var uid: UInt32
    public var gid: UInt32
    /// Not every platform reports the peer's process; nil there.
    public var pid: Int32?

    public init(uid: UInt32, gid: UInt32, pid: Int32?) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
    }

    public var description: String {
        "uid \(uid) gid \(gid) pid \(pid.map(String.init) ?? "unknown")"
    }
}
