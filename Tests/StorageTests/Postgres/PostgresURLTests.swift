@testable import PostgresStore
import StorageContract
import Testing

/// `postgres://` URLs as libpq reads them, the password's sources, and what may be shown.
@Suite struct PostgresURLTests {
    @Test func aTCPURLWithEverything() throws {
        let url = try PostgresURL("postgresql://metrics:s%40cret@db.example:6543/studio?sslmode=require&application_name=m1", defaultUser: "me")
        #expect(url.user == "metrics" && url.password == "s@cret")
        #expect(url.endpoint == .tcp(host: "db.example", port: 6543))
        #expect(url.database == "studio" && url.sslMode == .require && url.applicationName == "m1")
        #expect(url.redacted == "postgres://metrics@db.example:6543/studio?sslmode=require")
        #expect(!url.redacted.contains("cret"))
    }

    @Test func unixSocketDirectoriesEitherWay() throws {
        let encoded = try PostgresURL("postgres://%2Frun%2Fpostgresql/metrics", defaultUser: "me")
        #expect(encoded.endpoint == .unixSocket(path: "/run/postgresql/.s.PGSQL.5432"))
        #expect(encoded.user == "me" && encoded.database == "metrics" && encoded.sslMode == .disable)
        let param = try PostgresURL("postgres://u@/metrics?host=/tmp/pg&port=5433", defaultUser: "me")
        #expect(param.endpoint == .unixSocket(path: "/tmp/pg/.s.PGSQL.5433"))
        #expect(param.redacted == "postgres://u@:5433/metrics?host=%2Ftmp%2Fpg")
        let bare = try PostgresURL("postgres:///", defaultUser: "me")
        #expect(bare.endpoint == .unixSocket(path: "/var/run/postgresql/.s.PGSQL.5432") && bare.database == "me")
        let v6 = try PostgresURL("postgres://u:p@[::1]:5432/d", defaultUser: "me")
        #expect(v6.endpoint == .tcp(host: "::1", port: 5432) && v6.sslMode == .prefer)
        #expect(v6.redacted == "postgres://u@[::1]:5432/d?sslmode=prefer")
    }

    @Test func aWrongURLSaysWhatIsWrongWithoutThePassword() {
        func reason(_ text: String) -> String {
            do {
                _ = try PostgresURL(text, defaultUser: "me")
                return "accepted"
            } catch {
                return error.description
            }
        }
        #expect(reason("mysql://u@h/d") == #"database URL: unknown scheme "mysql" (expected postgres:// or postgresql://)"#)
        #expect(reason("postgres://u:hunter2@h:99999/d") == #"database URL: port "99999" is not a number from 1 to 65535"#)
        #expect(reason("postgres://u:hunter2@h/d?sslmode=sometimes").hasPrefix(#"database URL: unknown sslmode "sometimes""#))
        #expect(reason("postgres://u:hunter2@h/d?pool=5").hasPrefix(#"database URL: unknown param "pool""#))
        #expect(reason("postgres://u@/d?host=/tmp&sslmode=require").contains("needs a TCP host"))
        #expect(reason("localhost:5432") == "database URL: expected postgres://user@host:port/dbname")
        #expect(!reason("postgres://u:hunter2@h:0/d").contains("hunter2"))
        #expect(throws: PostgresStore.Configuration.Invalid.self) {
            try PostgresStore.Configuration(url: "postgres://h/d?sslmode=verify-full&sslrootcert=/nonexistent.pem", environment: [:])
        }
    }

    @Test func thePasswordComesFromTheURLThenPGPASSWORDThenThePasswordFile() throws {
        let text = """
            # comment
            db.example:5432:other:metrics:wrong
            db.example:*:studio:metrics:from\\:file
            *:*:*:*:fallback
            """
        #expect(PostgresPassword.password(in: text, host: "db.example", alsoHost: nil, port: "5432", database: "studio", user: "metrics") == "from:file")
        #expect(PostgresPassword.password(in: text, host: "elsewhere", alsoHost: nil, port: "1", database: "x", user: "y") == "fallback")
        #expect(PostgresPassword.password(in: "localhost:5432:d:u:sock", host: "/run/pg", alsoHost: "localhost", port: "5432", database: "d", user: "u") == "sock")

        let url = try PostgresURL("postgres://metrics@db.example/studio", defaultUser: "me")
        #expect(PostgresPassword.resolve(for: url, environment: ["PGPASSWORD": "env"], homeDirectory: nil) == "env")
        let explicit = try PostgresURL("postgres://metrics:url@db.example/studio", defaultUser: "me")
        #expect(PostgresPassword.resolve(for: explicit, environment: ["PGPASSWORD": "env"], homeDirectory: nil) == "url")
        #expect(PostgresPassword.resolve(for: url, environment: [:], homeDirectory: "/nonexistent") == nil)
    }

    @Test func theStoreShowsItsURLWithoutThePasswordAndIsShared() throws {
        let configuration = try PostgresStore.Configuration(url: "postgres://m:hunter2@db.example/s?sslmode=disable", environment: [:])
        let store = PostgresStore(configuration: configuration)
        #expect(store.location == "postgres://m@db.example:5432/s?sslmode=disable")
        #expect("\(configuration)" == store.location)
        #expect(store.traits.isShared)
        #expect(store.synchronousReads == nil)
    }
}
