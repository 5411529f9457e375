import GRDB
import MetricsCore
import StorageContract

// How domain values are stored: enums by their raw spelling, times as milliseconds since the epoch. A stored
// spelling the code does not know fails the read with GRDB's decoding error instead of becoming some default.

extension Platform: DatabaseValueConvertible {}
extension AccountStatus: DatabaseValueConvertible {}
extension MediaProductType: DatabaseValueConvertible {}
extension RefreshTrigger: DatabaseValueConvertible {}
extension RefreshRunStatus: DatabaseValueConvertible {}

extension Timestamp: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { milliseconds.databaseValue }

    public static func fromDatabaseValue(_ value: DatabaseValue) -> Timestamp? {
        Int64.fromDatabaseValue(value).map(Timestamp.init(milliseconds:))
    }
}
