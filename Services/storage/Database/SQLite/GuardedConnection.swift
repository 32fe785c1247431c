import Synchronization

/// A ``SQLiteConnection`` that many threads share, one at a time: every use holds the lock.
///
/// `@unchecked Sendable` because the connection is not `Sendable`; the lock makes the sharing safe, and no reference
/// to the connection escapes `withConnection` (the closures it runs keep it only for their duration).
package final class GuardedConnection: @unchecked Sendable {
    /// Touched only while `lock` is held.
    private let connection: SQLiteConnection
    /// Serialises the uses.
    private let lock = Mutex<Void>(())

    /// Takes over `connection`; nothing else may keep a reference to it.
    package init(_ connection: SQLiteConnection) {
        self.connection = connection
    }

    /// Runs `body` with the connection, waiting for the lock.
    package func withConnection<T: Sendable>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try lock.withLock { _ in try body(connection) }
    }

    /// Runs `body` with the connection when the lock is free at once; nil, without running it, when it is held.
    package func withConnectionIfAvailable<T: Sendable>(_ body: (SQLiteConnection) throws -> T) throws -> T? {
        try lock.withLockIfAvailable { _ in try body(connection) }
    }
}
