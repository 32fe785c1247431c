import Foundation
import Logging
import PostgresNIO
import StorageDatabase

/// Brings a PostgreSQL database to the newest schema: the ``Migration``s' `postgresSQL`, tracked in
/// `schema_migrations` (one row per applied version), each in its own transaction.
///
/// Every step holds a transaction-scoped advisory lock, so storage processes starting together migrate once.
package struct PostgresMigrator: Sendable {
    /// The migrations, in order (versions 1, 2, 3, ...: ``Migrator`` checks that).
    package let migrations: [Migration]

    /// A migrator over `migrations`; traps unless their versions are 1, 2, 3, ... (a programming error).
    package init(migrations: [Migration]) {
        self.migrations = Migrator(migrations: migrations).migrations
    }

    /// The advisory lock key every migration step holds.
    static let lockKey: Int64 = 0x7374_6f72_6167_6531

    /// The version a fully migrated database has.
    package var latestVersion: Int { migrations.last?.version ?? 0 }

    /// The highest applied version; 0 for a database without `schema_migrations`.
    package static func version(of connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await connection.query(
            "SELECT coalesce(max(version), 0) FROM schema_migrations", logger: logger
        ).collect()
        return try rows.first?.decode(Int.self) ?? 0
    }

    /// Applies every migration newer than the database's version; returns how many.
    ///
    /// A migration that fails rolls back whole, leaving the database at the previous version. A database newer than
    /// this code is refused with ``PostgresBackendError/newerSchema(database:build:)``.
    @discardableResult
    package func migrate(_ client: PostgresClient, logger: Logger) async throws -> Int {
        let latest = latestVersion
        let current = try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version bigint NOT NULL PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL
                )
                """,
                logger: logger
            )
            return try await Self.version(of: connection, logger: logger)
        }
        guard current <= latest else { throw PostgresBackendError.newerSchema(database: current, build: latest) }
        var applied = 0
        for migration in migrations where migration.version > current {
            let didApply = try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
                // Re-read under the lock: another process may have migrated in the meantime.
                guard try await Self.version(of: connection, logger: logger) < migration.version else { return false }
                for statement in Self.statements(migration.postgresSQL) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                let name = migration.name
                let version = migration.version
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(version), \(name), now())",
                    logger: logger
                )
                return true
            }
            guard didApply else { continue }
            applied += 1
            logger.info(
                "applied schema migration",
                metadata: ["db.migration": "\(migration.version)", "db.migration_name": "\(migration.name)"]
            )
        }
        return applied
    }

    /// The statements of a migration's SQL: split at `;`, empty ones left out.
    static func statements(_ sql: String) -> [String] {
        sql.split(separator: ";").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { statement in
            // A piece of only comments is no statement.
            !statement.split(separator: "\n").allSatisfy {
                let line = $0.trimmingCharacters(in: .whitespaces)
                return line.isEmpty || line.hasPrefix("--")
            }
        }
    }
}
