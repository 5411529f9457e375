import ArgumentParser

/// Where the daemon listens and who may connect: the socket, its mode and group, the access policy, the limits
/// every connection lives under, and how long the daemon may take to close it all down.
struct SocketOptions: ParsableArguments {
    @Option(help: "Unix socket to listen on. (default: $METRICSD_SOCKET, /run/metricsd/metricsd.sock as root, else $XDG_RUNTIME_DIR/metricsd/metricsd.sock)")
    var socket: String?

    @Flag(help: "Create the socket mode 0660 instead of 0600, so the daemon's group may connect.")
    var groupAccess = false

    @Option(help: ArgumentHelp("Socket group (a name or a gid): the socket is made mode 0660 and given to this group, whose members may connect.", valueName: "group"))
    var socketGroup: String?

    @Option(help: ArgumentHelp("Access policy file (JSON): who may call what, by uid, user, gid or group; reloaded on SIGHUP. Without one, whoever can open the socket may call everything.", valueName: "file"))
    var access: String?

    @Option(help: "Longest request line accepted, in bytes; longer lines get a -32600 reply and the connection closes.")
    var maxRequestBytes: Int = 1 << 20

    @Option(help: "Most concurrent connections; more are answered with -32000 and closed.")
    var maxConnections: Int = 256

    @Option(help: "Seconds a connection may stay silent, with no call running, before it is closed.")
    var idleTimeout: Int64 = 300

    @Option(help: "Recent events held in memory for subscribers (one ring for all); a subscriber further behind gets `lagged` and resumes from the log.")
    var subscriptionBuffer: Int = 10_000

    @Option(help: "Seconds shutdown (SIGTERM, SIGINT) may take; a daemon not done by then logs what it was waiting for and exits with status 3.")
    var shutdownTimeout: Int64 = 30
}
