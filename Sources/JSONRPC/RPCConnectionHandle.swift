/// The caller's connection, for a method whose effect outlives its reply: a subscription keeps sending on it.
///
/// What it sends goes around the request queue (it is not a reply), so the rules that keep it orderly are here:
/// nothing before the reply that announced it (`afterReply`), one batch of lines at a time as fast as the client
/// reads them (`send` returns once they reached the socket), and the connection held open while anything is
/// subscribed (`holdOpen`), also after the client half-closes its side (as `socat` does when its input ends).
public protocol RPCConnectionHandle: AnyObject, Sendable {
    /// Runs `body` once the current call's reply has been written (at once if it has, or if the connection closed).
    func afterReply(_ body: @escaping @Sendable () -> Void)
    /// Writes `lines` (each ending in `\n`) and returns once they reached the socket: true, or false when the
    /// connection closed first. A client that does not read keeps it waiting, and only its own sender.
    func send(_ lines: [UInt8]) async -> Bool
    /// Runs `body` once, when the connection closes (at once if it has).
    func onClose(_ body: @escaping @Sendable () -> Void)
    /// How many subscriptions keep the connection open: while any do, it is not idle and does not close when the
    /// client stops sending; it closes on shutdown as any other.
    func holdOpen(_ count: Int)
}
