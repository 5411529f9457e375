import MetricsCore
import PostgresNIO
import StorageContract

/// Reads a row's cells in the order the statement lists its columns. A cell that does not decode — a NULL where
/// none may be, a type that changed, a spelling this build does not know — is an error naming its column, never a
/// crash and never a default.
struct RowReader {
    private let row: PostgresRandomAccessRow
    private var index = 0

    init(_ row: PostgresRow) {
        self.row = row.makeRandomAccess()
    }

    /// The next cell as `T` (an Optional for a nullable column).
    mutating func next<T: PostgresDecodable>(_ type: T.Type = T.self) throws(UndecodableColumn) -> T {
        defer { index += 1 }
        guard index < row.count else {
            throw UndecodableColumn(column: "#\(index)", expected: "\(T.self)", found: "no such column")
        }
        let cell = row[index]
        do {
            return try cell.decode(T.self)
        } catch {
            throw UndecodableColumn(
                column: cell.columnName, expected: "\(T.self)", found: cell.bytes == nil ? "NULL" : "a value of type \(cell.dataType)")
        }
    }

    /// The next cell as one of a domain enum's stored spellings.
    mutating func next<T: RawRepresentable>(_ type: T.Type = T.self) throws(UndecodableColumn) -> T where T.RawValue == String {
        let column = index < row.count ? row[index].columnName : "#\(index)"
        let text: String = try next()
        guard let value = T(rawValue: text) else {
            throw UndecodableColumn(column: column, expected: "\(T.self)", found: "\"\(text)\"")
        }
        return value
    }

    mutating func next<T: RawRepresentable>(_ type: T?.Type = T?.self) throws(UndecodableColumn) -> T? where T.RawValue == String {
        let column = index < row.count ? row[index].columnName : "#\(index)"
        guard let text: String = try next() else { return nil }
        guard let value = T(rawValue: text) else {
            throw UndecodableColumn(column: column, expected: "\(T.self)", found: "\"\(text)\"")
        }
        return value
    }

    mutating func timestamp() throws(UndecodableColumn) -> Timestamp {
        Timestamp(milliseconds: try next(Int64.self))
    }

    mutating func optionalTimestamp() throws(UndecodableColumn) -> Timestamp? {
        try next(Int64?.self).map(Timestamp.init(milliseconds:))
    }

    /// The seven metric columns, in `MetricValues.names` order.
    mutating func values() throws(UndecodableColumn) -> MetricValues {
        MetricValues(
            impressions: try next(), views: try next(), reach: try next(), likes: try next(), comments: try next(),
            shares: try next(), saves: try next())
    }
}

/// A stored cell this build cannot read: a bug or a database changed by hand, so an internal error (-32603), not
/// the caller's fault and not a reason to guess.
public struct UndecodableColumn: Error, Sendable, Hashable, CustomStringConvertible, DescribedFailure {
    public var column: String
    public var expected: String
    public var found: String

    public var description: String { "column \(column): expected \(expected), found \(found)" }
    public var sentence: String { description }
}
