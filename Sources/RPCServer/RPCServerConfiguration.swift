import NIOCore

/// How the socket server behaves at its edges. The defaults are what a local daemon with a few sibling
/// services, an admin CLI and health checks needs; each is a flag of `metricsd`.
public struct RPCServerConfiguration: Sendable {
    /// Where to listen.
    public var socketPath: String
    /// A listening socket inherited from systemd (socket activation, `LISTEN_FDS`): served instead of binding
    /// `socketPath`, which then only names it in logs. systemd made the file and owns it: it is neither
    /// replaced, nor chmod'ed, nor removed on exit.
    public var inheritedDescriptor: CInt?
    /// 0o600 (owner only) by default; 0o660 lets a group of sibling services in.
    public var socketMode: UInt32 = 0o600
    /// The socket's group (with mode 0o660: the services allowed to connect); nil keeps the daemon's own.
    public var socketGroup: UInt32?
    /// A request line longer than this gets a -32600 reply naming the limit, then the connection closes.
    public var maximumLineBytes: Int = 1 << 20
    /// Connections beyond this are answered with a -32000 error line and closed.
    public var maximumConnections: Int = 256
    /// A connection that sends nothing for this long while no call of its is running is closed.
    public var idleTimeout: TimeAmount = .seconds(300)
    /// On shutdown, how long in-flight calls may run before their connections are closed anyway.
    public var shutdownGracePeriod: TimeAmount = .seconds(10)

    public init(socketPath: String) {
        self.socketPath = socketPath
    }
}
