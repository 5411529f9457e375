import Logging
import PostgresNIO

extension PostgresConnection {
    /// Every row of `query`, read through (an error anywhere in the result is thrown here).
    func rows(_ query: PostgresQuery, _ logger: Logger) async throws -> [PostgresRow] {
        try await self.query(query, logger: logger).collect()
    }

    /// Runs a statement whose rows, if any, are not wanted.
    func run(_ query: PostgresQuery, _ logger: Logger) async throws {
        _ = try await self.query(query, logger: logger).collect()
    }

    /// The first row of `query`, if any, read through a `RowReader`.
    func first<T>(_ query: PostgresQuery, _ logger: Logger, _ read: (inout RowReader) throws -> T) async throws -> T? {
        guard let row = try await rows(query, logger).first else { return nil }
        var reader = RowReader(row)
        return try read(&reader)
    }

    /// Every row of `query`, each read through a `RowReader`.
    func all<T>(_ query: PostgresQuery, _ logger: Logger, _ read: (inout RowReader) throws -> T) async throws -> [T] {
        var result: [T] = []
        for try await row in try await self.query(query, logger: logger) {
            var reader = RowReader(row)
            result.append(try read(&reader))
        }
        return result
    }

    /// Every row of `query` folded into `state` as it arrives, none of them kept: for reads whose rows outnumber
    /// what they add up to (a workspace's rollups into its daily totals).
    func fold<State>(
        _ query: PostgresQuery, _ logger: Logger, into state: inout State, _ add: (inout State, inout RowReader) throws -> Void
    ) async throws {
        for try await row in try await self.query(query, logger: logger) {
            var reader = RowReader(row)
            try add(&state, &reader)
        }
    }
}
