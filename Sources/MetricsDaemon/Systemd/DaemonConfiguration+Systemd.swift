import Logging

extension DaemonConfiguration {
    /// What systemd hands the process, taken at start (not while flags are checked: a notify socket is opened here):
    /// an activated socket, which `--socket` then only names and which is replaced by the path systemd bound when it
    /// has one; the notify socket; the watchdog's period.
    public mutating func adoptSystemd(environment: [String: String], processID: Int32, logger: Logger) throws(SocketActivation.Problem) {
        if let descriptor = try SocketActivation.descriptor(environment: environment, processID: processID) {
            server.inheritedDescriptor = descriptor
            if let path = try SocketActivation.adopt(descriptor) {
                server.socketPath = path
            }
        }
        notifier = SystemdNotifier(environment: environment, logger: logger)
        if notifier != nil {
            watchdog = WatchdogSchedule.parse(environment: environment, processID: processID)
        }
    }
}
