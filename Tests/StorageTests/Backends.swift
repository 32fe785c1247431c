import Foundation
import Logging
import PostgresNIO
import Resilience
import StorageDatabase
import StoragePostgres
import Testing

/// The two storage backends every storage test runs against.
enum BackendKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// SQLite in a temporary folder.
    case sqlite
    /// PostgreSQL: a fresh database on the tests' own server.
    case postgres

    /// The name in test results.
    var testDescription: String { rawValue }

    /// A new, empty store of this kind.
    func makeStore() async throws -> TestStore {
        switch self {
        case .sqlite: return TestStore(directory: try TemporaryDirectory(), postgres: nil)
        case .postgres:
            let server = try await PostgresServer.shared.value
            return TestStore(directory: try TemporaryDirectory(), postgres: try await server.createDatabase())
        }
    }

    /// Runs `body` with a backend over a new, empty store, and closes it after.
    func withDatabase(_ body: (any StorageBackend) async throws -> Void) async throws {
        try await makeStore().withDatabase(body)
    }
}

/// One store under test: a SQLite file in `directory`, or a PostgreSQL database; opened as often as a test wants.
struct TestStore: Sendable {
    /// The folder of the SQLite file (also there for PostgreSQL, for files a test writes).
    let directory: TemporaryDirectory
    /// The PostgreSQL database; nil for SQLite.
    let postgres: PostgresSettings?

    /// The backend kind.
    var kind: BackendKind { postgres == nil ? .sqlite : .postgres }

    /// Opens (creating and migrating) the store.
    /// - Parameters:
    ///   - synchronous: SQLite's synchronous mode (PostgreSQL: the server's setting).
    ///   - busyTimeoutMilliseconds: how long a SQLite statement waits for another connection's lock.
    func open(
        synchronous: SynchronousMode = .full, busyTimeoutMilliseconds: Int32 = 5_000
    ) async throws -> any StorageBackend {
        if let postgres {
            return try await PostgresBackend(settings: postgres, logger: Logger(label: "storage-tests"))
        }
        let path = directory.file("index.sqlite")
        return SQLiteBackend(
            database: try await runBlocking {
                try IndexDatabase(
                    path: path, synchronous: synchronous, readerCount: 3,
                    busyTimeoutMilliseconds: busyTimeoutMilliseconds
                )
            }
        )
    }

    /// Runs `body` with the store opened, and closes it after, whether `body` throws or not.
    func withDatabase(
        synchronous: SynchronousMode = .full, busyTimeoutMilliseconds: Int32 = 5_000,
        _ body: (any StorageBackend) async throws -> Void
    ) async throws {
        let database = try await open(synchronous: synchronous, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        do {
            try await body(database)
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }
}

extension TestStore {
    /// The integer the query's first row starts with, read on a connection of the test's own (not the backend's).
    func integer(_ sql: String) async throws -> Int? {
        if let postgres {
            return try await withConnection(postgres) { connection in
                try await connection.query(PostgresQuery(unsafeSQL: sql), logger: connection.logger).collect().first?
                    .decode(Int.self)
            }
        }
        let path = directory.file("index.sqlite")
        return try await runBlocking {
            try SQLiteConnection(path: path, mode: .readOnly).queryFirst(sql) { $0.int(at: 0) }
        }
    }

    /// Runs statements on a connection of the test's own (with foreign keys on, for SQLite); throws what the
    /// database throws.
    func execute(_ sql: String) async throws {
        if let postgres {
            try await withConnection(postgres) { connection in
                for statement in sql.split(separator: ";") where !statement.allSatisfy(\.isWhitespace) {
                    try await connection.query(PostgresQuery(unsafeSQL: String(statement)), logger: connection.logger)
                }
            }
            return
        }
        let path = directory.file("index.sqlite")
        try await runBlocking {
            let connection = try SQLiteConnection(path: path)
            try connection.exec("PRAGMA foreign_keys = ON")
            try connection.exec(sql)
        }
    }

    /// The tables of the store, by name (PostgreSQL: of the `public` schema, partitions left out).
    func tables() async throws -> [String] {
        if let postgres {
            return try await withConnection(postgres) { connection in
                try await connection.query(
                    """
                    SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN (
                        SELECT inhrelid::regclass::text FROM pg_inherits
                    ) ORDER BY tablename
                    """,
                    logger: connection.logger
                ).collect().map { try $0.decode(String.self) }
            }
        }
        let path = directory.file("index.sqlite")
        return try await runBlocking {
            try SQLiteConnection(path: path, mode: .readOnly).query(
                "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"
            ) { $0.string(at: 0) }
        }
    }

    /// The schema version: SQLite's `user_version`, PostgreSQL's highest `schema_migrations` row.
    func schemaVersion() async throws -> Int {
        if let postgres {
            return try await withConnection(postgres) { connection in
                try await PostgresMigrator.version(of: connection, logger: connection.logger)
            }
        }
        let path = directory.file("index.sqlite")
        return try await runBlocking { try Migrator.version(of: SQLiteConnection(path: path, mode: .readOnly)) }
    }

    /// Applies `migrations` with the backend's migrator, outside any backend; returns how many were applied.
    func migrate(_ migrations: [Migration]) async throws -> Int {
        if let postgres {
            let client = PostgresClient(
                configuration: PostgresClient.Configuration(
                    host: postgres.host, port: postgres.port, username: postgres.username,
                    password: postgres.password, database: postgres.database, tls: .disable
                )
            )
            let running = Task { await client.run() }
            defer { running.cancel() }
            return try await PostgresMigrator(migrations: migrations).migrate(
                client, logger: Logger(label: "storage-tests")
            )
        }
        let path = directory.file("index.sqlite")
        return try await runBlocking { try Migrator(migrations: migrations).migrate(SQLiteConnection(path: path)) }
    }

    /// Runs `sql` in a write transaction left open on a connection of the test's own, until ``HeldTransaction/commit()``.
    func begin(_ sql: String) async throws -> HeldTransaction {
        if let postgres {
            let connection = try await Self.connect(postgres)
            try await connection.query("BEGIN", logger: connection.logger)
            for statement in sql.split(separator: ";") where !statement.allSatisfy(\.isWhitespace) {
                try await connection.query(PostgresQuery(unsafeSQL: String(statement)), logger: connection.logger)
            }
            return HeldTransaction(postgres: connection)
        }
        let path = directory.file("index.sqlite")
        return try await runBlocking {
            let connection = try SQLiteConnection(path: path)
            try connection.exec("BEGIN IMMEDIATE")
            try connection.exec(sql)
            return HeldTransaction(sqlite: connection)
        }
    }

    /// A new connection to the PostgreSQL database of `settings`.
    static func connect(_ settings: PostgresSettings) async throws -> PostgresConnection {
        try await PostgresConnection.connect(
            configuration: PostgresConnection.Configuration(
                host: settings.host, port: settings.port, username: settings.username, password: settings.password,
                database: settings.database, tls: .disable
            ),
            id: 2, logger: Logger(label: "storage-tests.postgres")
        )
    }

    /// Runs `body` on a new connection to the PostgreSQL database, closed after.
    private func withConnection<T: Sendable>(
        _ settings: PostgresSettings, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await Self.connect(settings)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

/// A write transaction a test holds open on a connection of its own, to see what readers do meanwhile.
final class HeldTransaction: @unchecked Sendable {
    // Used by one test task at a time: begun, then committed.
    private let sqlite: SQLiteConnection?
    private let postgres: PostgresConnection?

    /// A transaction open on a SQLite connection.
    init(sqlite: SQLiteConnection) {
        self.sqlite = sqlite
        self.postgres = nil
    }

    /// A transaction open on a PostgreSQL connection.
    init(postgres: PostgresConnection) {
        self.sqlite = nil
        self.postgres = postgres
    }

    /// Commits, and closes the connection.
    func commit() async throws {
        if let postgres {
            // A query on a connection the server closed waits forever (postgres-nio 1.33.2): do not send one.
            guard !postgres.isClosed else { throw PostgresServer.Failure(description: "the connection was closed") }
            try await postgres.query("COMMIT", logger: postgres.logger)
            try await postgres.close()
        } else if let sqlite {
            // The test holds this connection alone; nothing else touches it while the commit runs.
            nonisolated(unsafe) let connection = sqlite
            try await runBlocking { try connection.exec("COMMIT") }
        }
    }
}
