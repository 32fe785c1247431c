import Contracts
import HTTPTypes

/// Which index ids the API serves: the built-in ones always, the added ones as storage last listed them. The list is
/// read on first need, dropped whenever answers go stale (a definition added or removed is announced like any other
/// commit), and read again once when an unknown id is asked for, in case an announcement was missed.
package actor IndexDirectory {
    private let reader: any IndexReader
    private var added: Set<String>?

    /// A directory over `reader`.
    package init(reader: any IndexReader) { self.reader = reader }

    /// Forgets the added ids.
    package func invalidate() { added = nil }

    /// `name`, or the default when absent; an unknown one is 404 `unknown_index`.
    package func resolve(_ name: String?) async throws -> String {
        let index = name ?? Indexes.defaultID
        if Indexes.builtInIDs.contains(index) { return index }
        guard IndexDefinition.isValidID(index) else { throw Self.unknown(index) }
        if let added, added.contains(index) { return index }
        let listed = Set(try await reader.definitions(id: nil).map(\.definition.id))
        added = listed
        guard listed.contains(index) else { throw Self.unknown(index) }
        return index
    }

    private static func unknown(_ index: String) -> APIError {
        APIError(.notFound, code: "unknown_index", message: "no index named '\(index.prefix(64))'")
    }
}
