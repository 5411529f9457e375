import JSON

/// One event as a line for people: when, what, and the few words that say why it matters (a snapshot with its
/// changes, a milestone, an account that needs reconnecting). Pure, so its wording is tested without a daemon.
enum EventLine {
    static func render(_ event: JSON) -> String {
        let data = event["data"] ?? .null
        let type = HumanFormat.text(event["type"])
        let head = "\(HumanFormat.text(event["at"]))  #\(HumanFormat.text(event["seq"]))  \(type.padding(toLength: 9, withPad: " ", startingAt: 0))"
        let post = "\(HumanFormat.text(data["postId"])) (\(HumanFormat.text(data["platform"])))"
        let detail: String
        switch type {
        case "snapshot":
            let counters = ["views", "reach", "likes", "comments", "shares", "saves", "impressions"].compactMap { name -> String? in
                guard case .number? = data["metrics"]?[name] else { return nil }
                var text = "\(name) \(HumanFormat.metric(data["metrics"]?[name]))"
                if case .number(let change)? = data["changes"]?[name], let delta = change.int64, delta != 0 {
                    text += " (\(delta > 0 ? "+" : "-")\(HumanFormat.grouped(delta.magnitude > UInt64(Int64.max) ? Int64.max : Int64(delta.magnitude))))"
                }
                return text
            }
            detail = "\(post): " + (counters.isEmpty ? "no counters" : counters.joined(separator: ", "))
        case "milestone":
            detail = "\(post) reached \(HumanFormat.metric(data["threshold"])) \(HumanFormat.text(data["metric"])) (now \(HumanFormat.metric(data["value"])))"
        case "account":
            let status = HumanFormat.text(data["status"])
            let reason = data["reason"].flatMap { $0.isNull ? nil : HumanFormat.text($0) }.map { ": \($0)" } ?? ""
            let action = data["needsReconnect"] == .bool(true) ? " — ask its owner to reconnect it" : ""
            detail = "account \(HumanFormat.text(data["accountId"])) (\(HumanFormat.text(data["platform"]))) is \(status)\(reason)\(action)"
        case "post":
            if data["refreshState"] == .string("failing") {
                detail = "\(post) is failing after \(HumanFormat.metric(data["consecutiveFailures"])) failed refreshes: \(HumanFormat.text(data["lastError"]))"
            } else {
                detail = "\(post) refreshes again"
            }
        case "run":
            detail = "run \(HumanFormat.text(data["runId"])) \(HumanFormat.text(data["status"])) (\(HumanFormat.text(data["trigger"])))"
        case "anomaly":
            detail = "\(post) had \(HumanFormat.metric(data["value"])) views on \(HumanFormat.text(data["day"])), against a median of \(HumanFormat.text(data["median"])) for its peers"
        case "import":
            detail = "import of \(HumanFormat.metric(data["imported"])) snapshots of \(HumanFormat.metric(data["posts"])) posts (\(HumanFormat.metric(data["skipped"])) already there)"
        default:
            detail = JSONWriter.string(data)
        }
        let workspace = event["workspaceId"].flatMap { $0.isNull ? nil : "[\(HumanFormat.text($0))] " } ?? ""
        return "\(head)  \(workspace)\(detail)"
    }
}
