import Foundation
import GRDB
import MetricsCore
import PostgresNIO
@testable import PostgresStore
import PostgresTestSupport
@testable import SQLiteStore
import StorageContract
import Testing

/// The backends the store suite runs against: every case of `StoreSuite…` runs once per backend, through
/// `any MetricsStorage` only, so both keep the same observable behaviour.
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// SQLite always; PostgreSQL when its binaries are here or the run requires them (then a missing one fails).
    static var available: [StoreBackend] {
        if PostgresCluster.shouldRun { return allCases }
        print("note: \(PostgresCluster.skipMessage)")
        return [.sqlite]
    }
}

/// A cell of a raw row, the same whichever database answered: what tests compare when no method reports a state
/// (rollups, totals).
enum Cell: Equatable, CustomStringConvertible {
    case null
    case int(Int64)
    case text(String)

    var int: Int64? { if case .int(let value) = self { value } else { nil } }
    var text: String? { if case .text(let value) = self { value } else { nil } }
    var description: String {
        switch self {
        case .null: "NULL"
        case .int(let value): "\(value)"
        case .text(let value): "\"\(value)\""
        }
    }
}

/// A store of one backend on a fresh database, with the clock it reads, and raw SQL for the states no method
/// produces or reports (the SQL used is the same in both dialects).
struct StoreHarness: Sendable {
    let backend: StoreBackend
    let store: any MetricsStorage
    let clock: ManualClock
    private let sqlite: SQLiteStore?
    private let postgres: PostgresStore?

    /// Opens a store of `backend` on a fresh database, runs `body`, and closes and deletes it, whether `body`
    /// succeeded or not.
    static func with<T>(
        _ backend: StoreBackend, clock: ManualClock = ManualClock(now: Timestamp(iso8601: "2026-11-24T12:00:00Z")!),
        _ body: (StoreHarness) async throws -> T
    ) async throws -> T {
        switch backend {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let store = try SQLiteStore.open(path: directory.appendingPathComponent("m.sqlite").path, clock: clock)
            defer { try? store.close() }
            return try await body(StoreHarness(backend: backend, store: store, clock: clock, sqlite: store, postgres: nil))
        case .postgres:
            let cluster = try await PostgresCluster.shared()
            return try await cluster.withDatabase { url in
                try await withPostgresStore(url: url, clock: clock) { store in
                    try await body(StoreHarness(backend: backend, store: store, clock: clock, sqlite: nil, postgres: store))
                }
            }
        }
    }

    /// A running PostgreSQL store on `url` (its `run()` in a task, migrations applied) for `body`; closed afterwards.
    static func withPostgresStore<T>(
        url: String, clock: any WallClock = SystemClock(), options: PostgresStore.Options = .init(),
        waitUntilReady: Bool = true, _ body: (PostgresStore) async throws -> T
    ) async throws -> T {
        let store = PostgresStore(configuration: try PostgresStore.Configuration(url: url, environment: [:]), clock: clock, options: options)
        let running = Task { try await store.run() }
        do {
            if waitUntilReady {
                try #require(await store.waitUntilReady(timeout: .seconds(60)), "migrations applied")
            }
            let result = try await body(store)
            try await store.close()
            _ = try? await running.value
            return result
        } catch {
            try? await store.close()
            _ = try? await running.value
            throw error
        }
    }

    /// Runs a statement that changes what no method lets change (an expired account, a spelling from elsewhere).
    func execute(_ sql: String) async throws {
        if let sqlite {
            try await sqlite.writeForTesting { db in try db.execute(sql: sql) }
        } else if let postgres {
            try await postgres.executeForTesting(sql)
        }
    }

    /// The rows of a query, as cells.
    func rows(_ sql: String) async throws -> [[Cell]] {
        if let sqlite {
            return try sqlite.read { db in
                try Row.fetchAll(db, sql: sql).map { row in
                    row.databaseValues.map { value in
                        switch value.storage {
                        case .null: .null
                        case .int64(let int): .int(int)
                        case .string(let text): .text(text)
                        case .double(let double): .text("\(double)")
                        case .blob(let data): .text(String(decoding: data, as: UTF8.self))
                        }
                    }
                }
            }
        }
        guard let postgres else { return [] }
        return try await postgres.rowsForTesting(sql).map { row in
            try row.map { cell -> Cell in
                guard cell.bytes != nil else { return .null }
                switch cell.dataType {
                case .int2, .int4, .int8: return .int(try cell.decode(Int64.self))
                case .bool: return .int(try cell.decode(Bool.self) ? 1 : 0)
                default: return .text(try cell.decode(String.self))
                }
            }
        }
    }

    /// One workspace, one account per platform, and `postsPerAccount` posts each (posted one a day back from now).
    func seed(postsPerAccount: Int = 2) async throws {
        try await store.seedStudio(postsPerAccount: postsPerAccount, now: clock.now)
    }
}

extension StoreHarness {
    /// Raw SQL on a PostgreSQL store opened elsewhere (the cluster tests open several on one database). In an
    /// extension, so the memberwise initializer it calls stays.
    init(postgres: PostgresStore) {
        self.init(
            backend: .postgres, store: postgres, clock: ManualClock(now: Timestamp(milliseconds: 0)), sqlite: nil, postgres: postgres)
    }
}

extension MetricsStorage {
    /// One workspace (w1), one account per platform (`PLATFORM-acct`), and `postsPerAccount` posts each
    /// (`PLATFORM-N`, posted N days before `now`): what the store tests of either backend start from.
    func seedStudio(postsPerAccount: Int, now: Timestamp) async throws {
        _ = try await upsertWorkspace(Workspace(id: "w1", name: "Studio"))
        for platform in Platform.allCases {
            _ = try await upsertAccount(AccountRegistration(
                id: "\(platform.rawValue)-acct", workspaceId: "w1", platform: platform,
                externalAccountId: "ext-\(platform.rawValue)", accessToken: "secret-\(platform.rawValue)"))
            _ = try await upsertPosts((0..<postsPerAccount).map { index in
                PostRegistration(
                    id: "\(platform.rawValue)-\(index)", accountId: "\(platform.rawValue)-acct", externalPostId: "x\(index)",
                    postedAt: now.adding(days: -index), mediaProductType: platform == .instagram ? .feed : nil)
            })
        }
    }
}
