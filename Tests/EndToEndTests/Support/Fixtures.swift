import JSON
import JSONRPC

/// Registration data most end-to-end tests start from: one workspace, one account per platform, posts.
enum Fixtures {
    static let instagramToken = "IGQVJ-secret-access-token"

    static func register(_ daemon: DaemonProcess, postsPerAccount: Int = 3) throws {
        try daemon.result("upsertWorkspace", ["id": "w1", "name": "Studio One"])
        try daemon.result("upsertWorkspace", ["id": "w2", "name": "Studio Two"])
        let accounts: [(String, String, String)] = [("ig", "w1", "instagram"), ("tt", "w1", "tiktok"), ("fb", "w2", "facebook")]
        for (id, workspace, platform) in accounts {
            try daemon.result("upsertAccount", [
                "id": .string(id), "workspaceId": .string(workspace), "platform": .string(platform),
                "externalAccountId": .string("ext-\(id)"),
                "accessToken": .string(platform == "instagram" ? instagramToken : "token-\(id)"),
                "refreshToken": platform == "tiktok" ? "rft.secret-refresh" : nil,
            ])
            let posts: [JSON] = (0..<postsPerAccount).map { index in
                var post: JSONObject = [
                    "id": .string("\(id)-\(index)"), "accountId": .string(id), "externalPostId": .string("\(id)-ext-\(index)"),
                    "postedAt": .string("2026-11-2\(index % 10)T10:00:00.000Z"),
                ]
                if platform == "instagram" { post["mediaProductType"] = index % 2 == 0 ? "FEED" : "REELS" }
                return .object(post)
            }
            try daemon.result("upsertPosts", ["posts": .array(posts)])
        }
    }

    static func snapshot(_ postId: String, _ capturedAt: String, views: Int?, likes: Int? = nil) -> JSON {
        ["postId": .string(postId), "capturedAt": .string(capturedAt), "views": .int(views), "likes": .int(likes)]
    }
}
