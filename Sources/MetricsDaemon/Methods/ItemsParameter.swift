import StorageContract

/// A param holding a call's many items (`posts`, `snapshots`, `postIds`): the method layer knows the request's
/// shape, so it is where a store error about item 3 becomes the path a caller can act on (`posts[3].accountId`,
/// `postIds[3]`). The store itself speaks of inputs and positions only.
struct ItemsParameter: Sendable {
    let name: String
    /// The items are ids themselves (`postIds`): the path ends at the item.
    var itemsAreIds = false

    /// Runs `body`; a store error about one of the items is rethrown with its path.
    func locating<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StoreError {
            throw located(error)
        }
    }

    func locating<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            throw located(error)
        }
    }

    private func located(_ error: StoreError) -> any Error {
        guard let index = error.index else { return error }
        let item = "\(name)[\(index)]"
        return LocatedStoreError(error: error, field: itemsAreIds ? item : "\(item).\(error.input.rawValue)")
    }
}

/// A store error with its place in the request.
struct LocatedStoreError: Error, CustomStringConvertible {
    let error: StoreError
    let field: String

    var description: String { "\(field): \(error.message)" }
}
