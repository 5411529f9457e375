import PostgresNIO

/// A statement whose shape depends on the call (optional filters, a cursor, a limit), built from constant SQL
/// fragments with every value bound as a parameter: each `?` of a fragment becomes the `$n` of the value given for
/// it, so no value ever becomes SQL text. Fixed statements use `PostgresQuery`'s own interpolation instead.
struct SQLBuilder {
    private(set) var sql: String
    private var binds = PostgresBindings()

    init(_ sql: String = "") {
        self.sql = sql
    }

    /// Binds `value` and returns the placeholder that stands for it.
    mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value?) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    mutating func append(_ fragment: String) {
        sql += fragment
    }

    /// Appends `fragment` with its `?`s standing for `values`, in order (the fragments are constants of this
    /// module: a count that does not match is a bug caught by the first test that runs the statement).
    mutating func append<each Value: PostgresDynamicTypeEncodable>(_ fragment: String, _ values: repeat each Value) {
        var pieces = fragment.split(separator: "?", omittingEmptySubsequences: false).makeIterator()
        sql += pieces.next() ?? ""
        for value in repeat each values {
            binds.append(value)
            sql += "$\(binds.count)" + (pieces.next() ?? "")
        }
        precondition(pieces.next() == nil, "more ? than values in \(fragment)")
    }

    static func += (builder: inout SQLBuilder, fragment: String) {
        builder.append(fragment)
    }

    var query: PostgresQuery {
        PostgresQuery(unsafeSQL: sql, binds: binds)
    }
}
