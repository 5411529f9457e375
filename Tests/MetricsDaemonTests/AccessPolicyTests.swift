@testable import MetricsDaemon
import Testing

@Suite struct AccessPolicyTests {
    let policy = AccessPolicy(rules: [
        .init(subject: .uid(1001), role: .writer, position: 0),
        .init(subject: .uid(1002), role: .reader, workspaces: ["w1"], position: 1),
        .init(subject: .gid(2000), role: .reader, position: 2),
        .init(subject: .uid(1003), role: .admin, position: 3),
    ], daemonUID: 500)

    @Test func theFirstMatchingRuleWinsAndRootAndTheDaemonAreAdmin() {
        #expect(policy.grant(uid: 1001, gid: 2000) == .init(role: .writer, workspaces: nil))  // uid rule first
        #expect(policy.grant(uid: 1002, gid: 9) == .init(role: .reader, workspaces: ["w1"]))
        #expect(policy.grant(uid: 7, gid: 2000) == .init(role: .reader, workspaces: nil))
        #expect(policy.grant(uid: 7, gid: 9, groups: [2000]) == .init(role: .reader, workspaces: nil))  // a supplementary group
        #expect(policy.grant(uid: 7, gid: 9) == .init(role: nil, workspaces: nil))
        #expect(policy.grant(uid: 0, gid: 0) == .unrestricted)
        #expect(policy.grant(uid: 500, gid: 500) == .unrestricted)
    }

    @Test func rolesReachTheirMethods() {
        let reader = AccessPolicy.Grant(role: .reader, workspaces: nil)
        let writer = AccessPolicy.Grant(role: .writer, workspaces: nil)
        let nobody = AccessPolicy.Grant(role: nil, workspaces: nil)
        #expect(MethodAccess.permits(nobody, "health") && MethodAccess.permits(nobody, "whoami") && MethodAccess.permits(nobody, "rpc.discover"))
        #expect(!MethodAccess.permits(nobody, "listAccounts"))
        #expect(MethodAccess.permits(reader, "latestMetrics") && MethodAccess.permits(reader, "topPosts"))
        #expect(!MethodAccess.permits(reader, "upsertPosts") && !MethodAccess.permits(reader, "refreshAll"))
        #expect(MethodAccess.permits(writer, "refreshAll") && MethodAccess.permits(writer, "importMetrics"))
        #expect(!MethodAccess.permits(writer, "someFutureAdminMethod"))
        #expect(MethodAccess.permits(.unrestricted, "someFutureAdminMethod"))
    }

    func parse(_ text: String) throws(AccessPolicyFile.Problem) -> AccessPolicy {
        try AccessPolicyFile.parse(
            Array(text.utf8), daemonUID: 500, lookUpUser: { $0 == "studio-web" ? 1200 : nil }, lookUpGroup: { $0 == "analytics" ? 3000 : nil },
            source: "access.json")
    }

    @Test func theDocumentedExampleReadsAsFourRules() throws {
        let policy = try parse("""
            {"rules": [{"uid": 1001, "role": "writer"}, {"user": "studio-web", "role": "reader", "workspaces": ["w1"]},
             {"gid": 1002, "role": "reader"}, {"group": "analytics", "role": "reader"}]}
            """)
        #expect(policy.rules.map(\.subject) == [.uid(1001), .uid(1200), .gid(1002), .gid(3000)])
        #expect(policy.rules[1].workspaces == ["w1"])
        #expect(policy.rules.map(\.role) == [.writer, .reader, .reader, .reader])
    }

    @Test func aBadFileNamesTheRule() {
        let cases: [(String, String)] = [
            ("{", "access.json: not JSON"),
            (#"{"rules": [{"uid": 1, "role": "writer"}, {"uid": 2, "role": "superuser"}]}"#, "access.json: rules[1]: unknown role \"superuser\""),
            (#"{"rules": [{"user": "ghost", "role": "reader"}]}"#, "access.json: rules[0]: unknown user \"ghost\""),
            (#"{"rules": [{"group": "nope", "role": "reader"}]}"#, "access.json: rules[0]: unknown group \"nope\""),
            (#"{"rules": [{"uid": 1, "user": "studio-web", "role": "reader"}]}"#, "access.json: rules[0]: give exactly one of uid, user, gid, group"),
            (#"{"rules": [{"uid": -1, "role": "reader"}]}"#, "access.json: rules[0]: uid must be a whole number from 0"),
            (#"{"rules": [{"uid": 1, "role": "reader", "workspace": ["w"]}]}"#, "access.json: rules[0]: unknown field \"workspace\""),
            (#"{"users": []}"#, "access.json: expected {\"rules\": [...]}"),
        ]
        for (text, expected) in cases {
            let problem = #expect(throws: AccessPolicyFile.Problem.self) { try parse(text) }
            #expect(problem?.description.hasPrefix(expected) == true, "\(problem?.description ?? "nothing") should start with \(expected)")
        }
    }
}
