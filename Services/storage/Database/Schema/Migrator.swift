import CSQLite
import Logging

/// Brings a database to the newest schema by applying the ``Migration``s it has not had, tracked by `user_version`.
package struct Migrator: Sendable {
    /// The migrations, in order.
    package let migrations: [Migration]

    /// A migrator; traps unless the versions are 1, 2, 3, ... in order (a programming error).
    package init(migrations: [Migration]) {
        for (offset, migration) in migrations.enumerated() {
            precondition(migration.version == offset + 1, "migration \(migration.name) is not number \(offset + 1)")
        }
        self.migrations = migrations
    }

    /// The version a fully migrated database has.
    package var latestVersion: Int { migrations.last?.version ?? 0 }

    /// The database's `user_version`.
    package static func version(of connection: SQLiteConnection) throws -> Int {
        Int(try connection.pragma("PRAGMA user_version") ?? "0") ?? 0
    }

    /// Applies every migration newer than the database's version, each in its own transaction; returns how many.
    ///
    /// A migration that fails rolls back whole, leaving the database at the previous version. A database newer than
    /// this code (written by a later build) is refused rather than misread.
    @discardableResult
    package func migrate(_ connection: SQLiteConnection, logger: Logger? = nil) throws -> Int {
        let current = try Self.version(of: connection)
        guard current <= latestVersion else {
            throw SQLiteError(
                code: SQLITE_ERROR,
                message: "database schema version \(current) is newer than this build's \(latestVersion)"
            )
        }
        var applied = 0
        for migration in migrations where migration.version > current {
            let didApply = try connection.transaction {
                // Re-read under the write lock: another process may have migrated in the meantime.
                guard try Self.version(of: connection) < migration.version else { return false }
                try connection.exec(migration.sql)
                try connection.exec("PRAGMA user_version = \(migration.version)")
                return true
            }
            guard didApply else { continue }
            applied += 1
            logger?.info(
                "applied schema migration",
                metadata: ["db.migration": "\(migration.version)", "db.migration_name": "\(migration.name)"]
            )
        }
        return applied
    }
}
