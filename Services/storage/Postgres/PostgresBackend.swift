import Contracts
import Logging
import NIOSSL
import PostgresNIO
import StorageDatabase
import Synchronization
import TradingCalendar

/// The PostgreSQL backend (`DATABASE_URL`): the schema of ``IndexSchema`` in its PostgreSQL form, reached through a
/// pool of postgres-nio connections.
///
/// Each write is one transaction that first takes a transaction-scoped advisory lock, so writes run one at a time,
/// as SQLite's do, and the idempotence rules (read the stored batch, then decide) hold across connections and
/// processes. Reads that take several statements run in one `REPEATABLE READ READ ONLY` transaction: one snapshot.
/// A connection that drops (PostgreSQL restarted) fails the statement in flight, so the write throws and its
/// messages are not acknowledged; the pool opens new connections for the next calls. Every connection runs with
/// `statement_timeout`.
package final class PostgresBackend: StorageBackend {
    /// The URL without its password.
    package let location: String
    /// The pool.
    let client: PostgresClient
    /// The task running the pool; cancelled by ``close()``.
    private let running: Task<Void, Never>
    /// Statement logs and migrations.
    let logger: Logger
    /// Years whose `prices` partition is known to exist (created, or seen, by a committed transaction).
    let partitions = Mutex<Set<Int>>([])

    /// The advisory lock key every write transaction holds.
    package static let writerLockKey: Int64 = 0x7374_6f72_6167_6532

    /// Connects, migrates and returns the backend; throws when PostgreSQL cannot be reached or migrated.
    /// - Parameters:
    ///   - settings: where the database is, the statement timeout, the pool size.
    ///   - logger: migrations, reconnects and failed statements are logged here.
    package init(settings: PostgresSettings, logger: Logger) async throws {
        var configuration = PostgresClient.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: settings.password,
            database: settings.database, tls: Self.tls(settings.tls)
        )
        configuration.options.additionalStartupParameters = [
            ("statement_timeout", "\(settings.statementTimeoutMilliseconds)"),
            ("application_name", "storage"),
            // Text that the server renders (stored_at, created_at) is UTC whatever the server's own zone.
            ("TimeZone", "UTC"),
        ]
        configuration.options.maximumConnections = settings.maximumConnections
        configuration.options.connectTimeout = .seconds(5)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        self.location = settings.redacted
        self.running = Task { await client.run() }
        do {
            let applied = try await PostgresMigrator(migrations: IndexSchema.migrations).migrate(client, logger: logger)
            logger.debug(
                "opened database",
                metadata: [
                    "db.url": "\(settings.redacted)", "db.migrations_applied": "\(applied)",
                    "db.statement_timeout_ms": "\(settings.statementTimeoutMilliseconds)",
                ]
            )
        } catch {
            running.cancel()
            await running.value
            throw error
        }
    }

    /// The postgres-nio TLS setting for `mode`.
    private static func tls(_ mode: PostgresSettings.TLSMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }

    // MARK: Transactions

    /// Runs `body` in one write transaction holding the writer lock; throws (having committed nothing) when any
    /// statement, or the commit, fails.
    func write<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await transaction(
            "BEGIN", first: "SELECT pg_advisory_xact_lock(\(Self.writerLockKey))", body
        )
    }

    /// Runs `body` in one read-only snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", first: nil, body)
    }

    /// Runs `body` in a transaction opened by `begin`, then `first`, on a pooled ``OpenConnection``; commits when it
    /// returns, rolls back when anything throws.
    ///
    /// Not postgres-nio's `withTransaction`: after the server ended the connection in the middle of a transaction
    /// (a restart), its `ROLLBACK` on the closed connection was seen to wait forever, so a write in flight never
    /// failed. Here the transaction fails as soon as the connection closes, and a closed connection is not sent a
    /// `ROLLBACK`: the server rolled the transaction back already.
    private func transaction<T: Sendable>(
        _ begin: PostgresQuery, first: PostgresQuery?,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let logger = self.logger
        return try await withOpenConnection { connection in
            try await connection.query(begin, logger: logger)
            do {
                if let first { try await connection.query(first, logger: logger) }
                let result = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return result
            } catch {
                if !connection.isClosed { _ = try? await connection.query("ROLLBACK", logger: logger) }
                throw error
            }
        }
    }

    /// Runs `body` on a pooled connection as an ``OpenConnection``: it fails as soon as the connection closes.
    func withOpenConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await client.withConnection { connection in try await OpenConnection.run(connection, body) }
    }

    /// The rows of one statement.
    func rows(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [PostgresRow] {
        try await connection.query(query, logger: logger).collect()
    }

    // MARK: Operating

    /// Backups of PostgreSQL are the server's business (`pg_dump`), not a file copy.
    package func backup(_ command: BackupCommand) async throws -> BackupReply {
        throw PostgresBackendError.unsupported(
            "storage on PostgreSQL does not take file backups: run indexctl backup with DATABASE_URL set (pg_dump)"
        )
    }

    /// Whether `SELECT 1` answers within two seconds on a pooled connection.
    package func isReachable() async -> Bool {
        let logger = self.logger
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                // A query on a connection the server closed may wait forever (see ``OpenConnection``).
                (try? await self.withOpenConnection { connection in
                    try await connection.query("SELECT 1", logger: logger).collect().count == 1
                }) ?? false
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(2))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// Stops the pool and closes its connections.
    package func close() async {
        running.cancel()
        await running.value
    }
}

extension PostgresBackend {
    /// Runs one statement on a pooled connection and returns its first row's first column as text (nil for none or
    /// NULL): for diagnostics, such as `SHOW statement_timeout`.
    package func scalar(_ sql: String) async throws -> String? {
        let logger = self.logger
        return try await withOpenConnection { connection in
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect().first?
                .decode(String?.self) ?? nil
        }
    }
}
