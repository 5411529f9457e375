#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JSON
import JSONRPC

/// Reads `--access FILE`: `{"rules": [{"uid": 1001, "role": "writer"}, {"user": "studio-web", "role": "reader",
/// "workspaces": ["w1"]}, {"gid": 1002, "role": "reader"}, {"group": "analytics", "role": "reader"}]}`.
///
/// A file that does not parse, a rule with an unknown role, an unknown user or group, or not exactly one of
/// uid/user/gid/group, is refused with a message naming the rule (`rules[1]: unknown user "studio-web"`): at start
/// it stops the daemon; on SIGHUP the old policy stays.
enum AccessPolicyFile {
    struct Problem: Error, CustomStringConvertible, Equatable {
        var description: String
    }

    static func load(path: String, daemonUID: UInt32 = getuid()) throws(Problem) -> AccessPolicy {
        guard let bytes = readFile(path) else {
            throw Problem(description: "cannot read access file \(path): \(String(cString: strerror(errno)))")
        }
        return try parse(bytes, daemonUID: daemonUID, lookUpUser: userID(named:), lookUpGroup: groupID(named:), source: path)
    }

    static func parse(
        _ bytes: [UInt8], daemonUID: UInt32, lookUpUser: (String) -> UInt32?, lookUpGroup: (String) -> UInt32?, source: String
    ) throws(Problem) -> AccessPolicy {
        let document: JSON
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw Problem(description: "\(source): not JSON: \(error)")
        }
        guard case .array(let entries)? = document["rules"] else {
            throw Problem(description: "\(source): expected {\"rules\": [...]}")
        }
        var rules: [AccessPolicy.Rule] = []
        for (index, entry) in entries.enumerated() {
            let at = "\(source): rules[\(index)]"
            guard case .object(let object) = entry else { throw Problem(description: "\(at): expected an object") }
            for member in object where !["uid", "user", "gid", "group", "role", "workspaces"].contains(member.key) {
                throw Problem(description: "\(at): unknown field \"\(member.key)\"; expected uid, user, gid or group, role, workspaces")
            }
            let subjects = ["uid", "user", "gid", "group"].filter { object[$0] != nil }
            guard subjects.count == 1, let key = subjects.first, let value = object[key] else {
                throw Problem(description: "\(at): give exactly one of uid, user, gid, group")
            }
            let subject: AccessPolicy.Rule.Subject
            switch (key, value) {
            case ("uid", .number(let number)), ("gid", .number(let number)):
                guard let id = number.int64, let small = UInt32(exactly: id) else { throw Problem(description: "\(at): \(key) must be a whole number from 0") }
                subject = key == "uid" ? .uid(small) : .gid(small)
            case ("user", .string(let name)):
                guard let id = lookUpUser(name) else { throw Problem(description: "\(at): unknown user \"\(name)\"") }
                subject = .uid(id)
            case ("group", .string(let name)):
                guard let id = lookUpGroup(name) else { throw Problem(description: "\(at): unknown group \"\(name)\"") }
                subject = .gid(id)
            default:
                throw Problem(description: "\(at): \(key) must be \(key == "uid" || key == "gid" ? "a number" : "a name")")
            }
            guard case .string(let roleName)? = object["role"], let role = AccessPolicy.Role(rawValue: roleName) else {
                throw Problem(description: "\(at): unknown role \(object["role"].map(JSONWriter.string) ?? "(none)"); expected admin, writer or reader")
            }
            var workspaces: Set<String>?
            if let list = object["workspaces"], !list.isNull {
                guard case .array(let names) = list else { throw Problem(description: "\(at): workspaces must be a list of workspace ids") }
                workspaces = Set(try names.map { name throws(Problem) in
                    guard case .string(let id) = name, !id.isEmpty else { throw Problem(description: "\(at): workspaces must be a list of workspace ids") }
                    return id
                })
            }
            rules.append(AccessPolicy.Rule(subject: subject, role: role, workspaces: workspaces, position: index))
        }
        return AccessPolicy(rules: rules, daemonUID: daemonUID)
    }

    private static func readFile(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count > 0 { bytes += chunk[..<count] }
            if count < chunk.count { break }
        }
        return ferror(file) == 0 ? bytes : nil
    }

    static func userID(named name: String) -> UInt32? {
        getpwnam(name).map { UInt32($0.pointee.pw_uid) }
    }

    static func groupID(named name: String) -> UInt32? {
        getgrnam(name).map { UInt32($0.pointee.gr_gid) }
    }
}
