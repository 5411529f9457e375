import ArgumentParser
import JSON
import JSONRPC

/// `metricsctl webhooks add|list|remove|deliveries`: the endpoints metricsd POSTs events to.
struct WebhooksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "Manage webhook endpoints: add (or change), list, remove, and see their deliveries.",
        discussion: "Example: metricsctl webhooks add studio https://studio.example.com/hooks --types milestone,account",
        subcommands: [Add.self, List.self, Remove.self, Deliveries.self])

    /// `webhooks add ID URL`: `upsertWebhook`. Prints the signing secret when one was made: it is not shown again.
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a webhook endpoint, or change one (which re-enables it where it stopped).",
            discussion: """
                A new endpoint gets a signing secret (whsec_…), printed once: keep it to verify deliveries.
                Example: metricsctl webhooks add studio https://studio.example.com/hooks --workspace w1 --types milestone,account
                """)

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: ArgumentHelp("The endpoint's id (your own name for it).", valueName: "id"))
        var id: String

        @Argument(help: ArgumentHelp("Where to POST events: http:// or https://.", valueName: "url"))
        var url: String

        @Option(help: ArgumentHelp(
            "Event types to deliver, comma-separated (snapshot, milestone, account, post, run, anomaly, import); default: all.",
            valueName: "types"))
        var types: String?

        @Option(help: ArgumentHelp("Deliver only this workspace's events.", valueName: "workspace-id"))
        var workspace: String?

        @Flag(help: "Replace the endpoint's signing secret with a new one (printed once).")
        var rotateSecret = false

        func run() throws {
            var params: JSONObject = ["id": .string(id), "url": .string(url)]
            if let types {
                params.append("types", .array(types.split(separator: ",").map { .string(String($0).trimmingSpaces) }))
            }
            if let workspace { params.append("workspaceId", .string(workspace)) }
            if rotateSecret { params.append("rotateSecret", true) }
            let result = try connection.connect().call("upsertWebhook", .object(params))
            if connection.json {
                Console.outputJSON(result)
                return
            }
            let reply = try ReplyFields(result)
            var lines = ["\(try reply.string("result")) webhook \(try reply.string("id"))"]
            if let secret = try reply.optionalString("secret") {
                lines.append("secret: \(secret)")
                lines.append("Keep it to verify deliveries (webhook-signature); it is not shown again.")
            }
            Console.output(lines.joined(separator: "\n"))
        }
    }

    /// `webhooks list`: `listWebhooks`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List webhook endpoints (never their secrets).", discussion: "Example: metricsctl webhooks list")

        @OptionGroup var connection: ConnectionOptions

        func run() throws {
            let result = try connection.connect().call("listWebhooks", .object([:]))
            if connection.json {
                Console.outputJSON(result)
            } else {
                Console.output(try Self.render(try ReplyFields(result).array("webhooks")))
            }
        }

        static let table = TableRenderer([
            .init("id"), .init("url"), .init("types"), .init("workspace"), .init("state"), .init("next seq", .right),
        ])

        static func render(_ webhooks: [JSON]) throws(CommandFailure) -> String {
            guard !webhooks.isEmpty else { return "no webhooks" }
            var rows: [[String]] = []
            for (index, value) in webhooks.enumerated() {
                let webhook = try ReplyFields(value, path: "result.webhooks[\(index)]")
                let types: String = switch webhook["types"] {
                case .array(let names)?: names.map { HumanFormat.text($0) }.joined(separator: ",")
                default: "all"
                }
                let state = try webhook.bool("enabled")
                    ? "enabled" : "disabled: " + HumanFormat.singleLine(try webhook.optionalString("disabledReason") ?? "")
                rows.append([
                    try webhook.string("id"), try webhook.string("url"), types, try webhook.optionalString("workspaceId") ?? "all", state,
                    String(try webhook.int("nextSeq")),
                ])
            }
            return table.render(rows)
        }
    }

    /// `webhooks remove ID`: `deleteWebhook`.
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove", abstract: "Delete a webhook endpoint and its delivery records.",
            discussion: "Example: metricsctl webhooks remove studio")

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: ArgumentHelp("The endpoint's id.", valueName: "id"))
        var id: String

        func run() throws {
            let result = try connection.connect().call("deleteWebhook", ["id": .string(id)])
            if connection.json {
                Console.outputJSON(result)
            } else {
                Console.output("deleted webhook \(try ReplyFields(result).string("id"))")
            }
        }
    }

    /// `webhooks deliveries ID`: `webhookDeliveries`, newest first.
    struct Deliveries: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "deliveries", abstract: "Show an endpoint's recent delivery attempts, newest first.",
            discussion: "Example: metricsctl webhooks deliveries studio --limit 20")

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: ArgumentHelp("The endpoint's id.", valueName: "id"))
        var id: String

        @Option(help: ArgumentHelp("At most this many records (the daemon's default is 50, its maximum 1000).", valueName: "n"))
        var limit: Int?

        mutating func validate() throws {
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func run() throws {
            var params: JSONObject = ["id": .string(id)]
            if let limit { params.append("limit", .int(limit)) }
            let result = try connection.connect().call("webhookDeliveries", .object(params))
            if connection.json {
                Console.outputJSON(result)
            } else {
                Console.output(try Self.render(result))
            }
        }

        static let table = TableRenderer([
            .init("at"), .init("seq", .right), .init("attempt", .right), .init("outcome"), .init("status", .right), .init("ms", .right),
            .init("error"),
        ])

        static func render(_ result: JSON) throws(CommandFailure) -> String {
            let reply = try ReplyFields(result)
            var header = "webhook \(try reply.string("id")): "
            header += try reply.bool("enabled")
                ? "enabled" : "disabled (\(HumanFormat.singleLine(try reply.optionalString("disabledReason") ?? "")))"
            header += ", next seq \(try reply.int("nextSeq"))"
            let deliveries = try reply.array("deliveries")
            guard !deliveries.isEmpty else { return header + "\nno deliveries yet" }
            var rows: [[String]] = []
            for (index, value) in deliveries.enumerated() {
                let delivery = try ReplyFields(value, path: "result.deliveries[\(index)]")
                rows.append([
                    HumanFormat.text(delivery["at"]), String(try delivery.int("seq")), String(try delivery.int("attempt")),
                    try delivery.string("outcome"), HumanFormat.text(delivery["statusCode"]), String(try delivery.int("durationMs")),
                    HumanFormat.singleLine(try delivery.optionalString("error") ?? ""),
                ])
            }
            return header + "\n" + table.render(rows)
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
