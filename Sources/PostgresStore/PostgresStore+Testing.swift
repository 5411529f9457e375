import PostgresNIO

/// Raw access for tests (`@testable`): states no method produces, and query plans. Every real write is a method.
extension PostgresStore {
    func executeForTesting(_ sql: String) async throws {
        let logger = self.logger
        try await withConnection { connection in try await connection.run(PostgresQuery(unsafeSQL: sql), logger) }
    }

    func rowsForTesting(_ sql: String) async throws -> [PostgresRow] {
        let logger = self.logger
        return try await withConnection { connection in try await connection.rows(PostgresQuery(unsafeSQL: sql), logger) }
    }

    /// The names of the migrations applied, oldest first.
    func appliedMigrations() async throws -> [String] {
        let logger = self.logger
        return try await withConnection { connection in try await PostgresMigrations.applied(on: connection, logger: logger) }
    }
}
