import ArgumentParser
import JSON
import JSONRPC

/// `metricsctl whoami`: who the daemon thinks is calling, and what the access policy lets it do.
struct WhoamiCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whoami",
        abstract: "Show who the daemon sees calling (uid, gid, pid, user) and the role and workspaces it grants.",
        discussion: """
            Without an access policy (--access) everyone who can open the socket is admin; with one, a caller \
            no rule matches has no role and may call only health, rpc.discover and whoami.

            Example: sudo -u studio-web metricsctl whoami
            """)

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        let result = try connection.connect().call("whoami")
        if connection.json {
            Console.outputJSON(result)
        } else {
            Console.output(try Self.render(result))
        }
    }

    static func render(_ result: JSON) throws(CommandFailure) -> String {
        let caller = try ReplyFields(result)
        let uid = (try? caller.int("uid")).map { "\($0)" } ?? HumanFormat.missing
        let gid = (try? caller.int("gid")).map { "\($0)" } ?? HumanFormat.missing
        let user = try caller.optionalString("user")
        let workspaces: String
        if case .array(let ids)? = result["workspaces"] {
            workspaces = ids.compactMap { if case .string(let id) = $0 { id } else { nil } }.joined(separator: ", ")
        } else {
            workspaces = "all"
        }
        let lines: [(String, String)] = [
            ("user", user.map { "\($0) (uid \(uid), gid \(gid))" } ?? "uid \(uid), gid \(gid)"),
            ("pid", (try? caller.int("pid")).map { "\($0)" } ?? HumanFormat.missing),
            ("role", try caller.optionalString("role") ?? "none"),
            ("workspaces", workspaces),
        ]
        return lines.map { "\($0.0.padding(toLength: 12, withPad: " ", startingAt: 0))\($0.1)" }.joined(separator: "\n")
    }
}
