import Contracts
import Logging
import PostgresNIO
import StorageDatabase
import StoragePostgres
import Testing
import TradingCalendar

@Suite("Schema and migrations")
struct MigrationTests {
    /// Every table of a migrated database; PostgreSQL also has `schema_migrations` (SQLite keeps `user_version`).
    static let tables = [
        "composition_changes", "composition_events", "corporate_actions", "index_constituents", "index_definitions",
        "index_levels", "index_result_sequences", "prices", "rejections", "session_rows", "sessions", "stocks",
        "stream_epochs",
    ]

    @Test("a new database gets every migration and every table", arguments: BackendKind.allCases)
    func fresh(_ backend: BackendKind) async throws {
        let store = try await backend.makeStore()
        try await store.withDatabase { _ in }
        #expect(try await store.schemaVersion() == IndexSchema.migrations.count)
        switch backend {
        case .sqlite:
            #expect(try await store.tables() == Self.tables)
            let path = store.directory.file("index.sqlite")
            #expect(try SQLiteConnection(path: path, mode: .readOnly).pragma("PRAGMA journal_mode") == "wal")
        case .postgres:
            #expect(try await store.tables() == (Self.tables + ["schema_migrations"]).sorted())
            #expect(try await store.integer("SELECT count(*) FROM schema_migrations") == IndexSchema.migrations.count)
        }
    }

    @Test("the writer runs with WAL, foreign keys, a 16 MiB cache and the synchronous mode asked for; readers, 4 MiB")
    func pragmas() throws {
        let directory = try TemporaryDirectory()
        for (mode, level) in [(SynchronousMode.full, "2"), (.normal, "1")] {
            let database = try directory.database("pragmas-\(mode.rawValue).sqlite", synchronous: mode)
            #expect(try database.writerPragma("synchronous") == level)
            #expect(try database.writerPragma("journal_mode") == "wal")
            #expect(try database.writerPragma("foreign_keys") == "1")
            #expect(try database.writerPragma("cache_size") == "-16384")
            #expect(try database.readerPragma("cache_size") == "-4096")
        }
    }

    @Test("PostgreSQL connections run with the statement timeout and UTC; prices get one partition per year")
    func postgresSettings() async throws {
        let server = try await PostgresServer.shared.value
        var settings = try await server.createDatabase()
        settings.statementTimeoutMilliseconds = 1_234
        let database = try await PostgresBackend(settings: settings, logger: Logger(label: "storage-tests"))
        do {
            #expect(try await database.scalar("SHOW statement_timeout") == "1234ms")
            #expect(try await database.scalar("SHOW TimeZone") == "UTC")
            try await database.storeValidated([
                Fixture.batch("a", SessionDate("2023-12-29")!, rows: [Fixture.row("AAA", 1)]),
                Fixture.batch("b", Fixture.day1, rows: [Fixture.row("AAA", 2)]),
            ])
            try await database.storeValidated([
                Fixture.batch("c", SessionDate("2025-01-02")!, rows: [Fixture.row("AAA", 3)])
            ])
            let partitions = try await database.scalar(
                "SELECT string_agg(inhrelid::regclass::text, ',' ORDER BY 1) FROM pg_inherits "
                    + "WHERE inhparent = 'prices'::regclass"
            )
            #expect(partitions == "prices_y2023,prices_y2024,prices_y2025")
            #expect(try await database.closes(range: Fixture.all).map(\.close) == [1.5, 2.5, 3.5])
            // A statement over the timeout fails, and the connection serves the next one.
            await #expect(throws: PSQLError.self) { try await database.scalar("SELECT pg_sleep(2)::text") }
            #expect(try await database.scalar("SHOW statement_timeout") == "1234ms")
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }

    @Test("foreign keys hold: a price row needs its session record", arguments: BackendKind.allCases)
    func foreignKeys(_ backend: BackendKind) async throws {
        let store = try await backend.makeStore()
        try await store.withDatabase { database in
            try await database.storeValidated([Fixture.batch("b1", Fixture.day1, rows: [Fixture.row("AAA", 10)])])
        }
        let orphan = await #expect(throws: (any Error).self) {
            try await store.execute(
                "INSERT INTO prices (date, ticker, close, market_cap) VALUES ('2024-01-03', 'AAA', 1, 1)"
            )
        }
        switch backend {
        case .sqlite: #expect((orphan as? SQLiteError)?.message.contains("FOREIGN KEY") == true)
        case .postgres: #expect((orphan as? PSQLError)?.serverInfo?[.sqlState] == "23503")  // foreign_key_violation
        }
        try await store.execute(
            "INSERT INTO prices (date, ticker, close, market_cap) VALUES ('2024-01-02', 'BBB', 1, 1)"
        )
    }

    @Test("opening twice applies nothing again and keeps the data", arguments: BackendKind.allCases)
    func reopen(_ backend: BackendKind) async throws {
        let store = try await backend.makeStore()
        try await store.withDatabase { database in
            try await database.storeValidated([Fixture.batch("b1", Fixture.day1, rows: [Fixture.row("AAA", 10)])])
        }
        try await store.withDatabase { again async throws in
            #expect(try await store.migrate(IndexSchema.migrations) == 0)
            #expect(try await again.validRows(on: Fixture.day1)?.rows == [Fixture.row("AAA", 10)])
        }
        #expect(try await store.schemaVersion() == IndexSchema.migrations.count)
    }

    @Test("a database left at migration 1 is upgraded, its data kept", arguments: BackendKind.allCases)
    func upgrade(_ backend: BackendKind) async throws {
        let store = try await backend.makeStore()
        #expect(try await store.migrate(Array(IndexSchema.migrations.prefix(1))) == 1)
        if backend == .postgres {
            // What the backend creates before it stores 2024's first batch.
            try await store.execute(
                "CREATE TABLE prices_y2024 PARTITION OF prices FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"
            )
        }
        try await store.execute(
            """
            INSERT INTO sessions (date, batch_id, source, received_rows, valid_rows, rejected_rows, stored_at)
            VALUES ('2024-01-02', 'b1', 'csv', 2, 1, 1, '2024-01-02T22:00:00Z');
            INSERT INTO prices VALUES ('2024-01-02', 'AAA', NULL, NULL, NULL, 10, NULL, 1e9, 'stale')
            """
        )
        #expect(try await store.schemaVersion() == 1)
        #expect(try await !store.tables().contains("index_levels"))
        try await store.withDatabase { database in
            #expect(try await store.schemaVersion() == IndexSchema.migrations.count)
            let stored = try await database.validRows(on: Fixture.day1)
            #expect(stored?.record.batchID == "b1")
            #expect(
                stored?.rows == [
                    ValidRow(
                        ticker: "AAA", open: nil, high: nil, low: nil, close: 10, volume: nil, marketCap: 1e9,
                        flags: [.stale]
                    )
                ]
            )
            try await database.storeIndexResults([
                Fixture.result(Fixture.day1, previous: nil, level: 1000, tickers: ["AAA"])
            ])
            #expect(try await database.performance(index: Fixture.index, range: Fixture.all).count == 1)
        }
    }

    @Test("a failing migration rolls back whole and leaves the version where it was", arguments: BackendKind.allCases)
    func failingMigration(_ backend: BackendKind) async throws {
        let store = try await backend.makeStore()
        let good = Migration(version: 1, name: "good", sql: "CREATE TABLE a (x)", postgresSQL: "CREATE TABLE a (x int)")
        let bad = Migration(
            version: 2, name: "bad", sql: "CREATE TABLE b (x); INSERT INTO nowhere VALUES (1)",
            postgresSQL: "CREATE TABLE b (x int); INSERT INTO nowhere VALUES (1)"
        )
        await #expect(throws: (any Error).self) { try await store.migrate([good, bad]) }
        #expect(try await store.schemaVersion() == 1)
        #expect(try await store.tables().contains("a"))
        #expect(try await !store.tables().contains("b"))
        let fixed = Migration(
            version: 2, name: "fixed", sql: "CREATE TABLE b (x)", postgresSQL: "CREATE TABLE b (x int)")
        #expect(try await store.migrate([good, fixed]) == 1)
        #expect(try await store.schemaVersion() == 2)
    }

    @Test("a database written by a newer build is refused", arguments: BackendKind.allCases)
    func newerDatabase(_ backend: BackendKind) async throws {
        let store = try await backend.makeStore()
        switch backend {
        case .sqlite: try await store.execute("PRAGMA user_version = 99")
        case .postgres:
            _ = try await store.migrate([])
            try await store.execute("INSERT INTO schema_migrations VALUES (99, 'from the future', now())")
        }
        let error = await #expect(throws: (any Error).self) { try await store.withDatabase { _ in } }
        #expect(error.map { "\($0)" }?.contains("schema version 99 is newer") == true)
    }
}
