import Contracts
import StorageDatabase
import Testing

@Suite("Schema and migrations")
struct MigrationTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    /// The names of the tables of the database at `path`.
    func tables(at path: String) throws -> [String] {
        try SQLiteConnection(path: path, mode: .readOnly).query(
            "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"
        ) { $0.string(at: 0) }
    }

    @Test("a new database gets every migration and every table")
    func fresh() throws {
        let path = directory.file("fresh.sqlite")
        _ = try IndexDatabase(path: path)
        let connection = try SQLiteConnection(path: path)
        #expect(try Migrator.version(of: connection) == IndexSchema.migrations.count)
        #expect(try connection.pragma("PRAGMA journal_mode") == "wal")
        #expect(
            try tables(at: path) == [
                "composition_changes", "composition_events", "corporate_actions", "index_constituents",
                "index_definitions", "index_levels", "index_result_sequences", "prices",
                "rejections", "sessions", "stocks", "stream_epochs",
            ]
        )
    }

    @Test("the writer runs with WAL, foreign keys, a cache and the synchronous mode asked for")
    func pragmas() throws {
        for (mode, level) in [(SynchronousMode.full, "2"), (.normal, "1")] {
            let database = try directory.database("pragmas-\(mode.rawValue).sqlite", synchronous: mode)
            #expect(try database.writerPragma("synchronous") == level)
            #expect(try database.writerPragma("journal_mode") == "wal")
            #expect(try database.writerPragma("foreign_keys") == "1")
            #expect(try database.writerPragma("cache_size") == "-16384")
        }
    }

    @Test("foreign keys hold: a price row needs its session record")
    func foreignKeys() throws {
        let database = try directory.database()
        try database.storeValidated([Fixture.batch("b1", Fixture.day1, rows: [Fixture.row("AAA", 10)])])
        let connection = try SQLiteConnection(path: directory.file("index.sqlite"))
        try connection.exec("PRAGMA foreign_keys = ON")
        let orphan = #expect(throws: SQLiteError.self) {
            try connection.execute(
                "INSERT INTO prices (date, ticker, close, market_cap) VALUES ('2024-01-03', 'AAA', 1, 1)"
            )
        }
        #expect(orphan?.message.contains("FOREIGN KEY") == true)
        try connection.execute(
            "INSERT INTO prices (date, ticker, close, market_cap) VALUES ('2024-01-02', 'BBB', 1, 1)"
        )
    }

    @Test("opening twice applies nothing again and keeps the data")
    func reopen() throws {
        let path = directory.file("twice.sqlite")
        do {
            let database = try IndexDatabase(path: path)
            try database.storeValidated([Fixture.batch("b1", Fixture.day1, rows: [Fixture.row("AAA", 10)])])
        }
        let again = try IndexDatabase(path: path)
        #expect(try IndexSchema.migrator.migrate(SQLiteConnection(path: path)) == 0)
        #expect(try again.validRows(on: Fixture.day1)?.rows == [Fixture.row("AAA", 10)])
    }

    @Test("a database left at migration 1 is upgraded, its data kept")
    func upgrade() throws {
        let path = directory.file("v1.sqlite")
        do {
            let connection = try SQLiteConnection(path: path)
            try Migrator(migrations: Array(IndexSchema.migrations.prefix(1))).migrate(connection)
            try connection.exec(
                """
                INSERT INTO sessions (date, batch_id, source, received_rows, valid_rows, rejected_rows, stored_at)
                VALUES ('2024-01-02', 'b1', 'csv', 2, 1, 1, '2024-01-02T22:00:00Z');
                INSERT INTO prices VALUES ('2024-01-02', 'AAA', NULL, NULL, NULL, 10, NULL, 1e9, 'stale');
                """
            )
            #expect(try Migrator.version(of: connection) == 1)
            #expect(try !tables(at: path).contains("index_levels"))
        }
        let database = try IndexDatabase(path: path)
        #expect(try Migrator.version(of: SQLiteConnection(path: path)) == IndexSchema.migrations.count)
        let stored = try database.validRows(on: Fixture.day1)
        #expect(stored?.record.batchID == "b1")
        #expect(
            stored?.rows == [
                ValidRow(
                    ticker: "AAA", open: nil, high: nil, low: nil, close: 10, volume: nil, marketCap: 1e9,
                    flags: [.stale]
                )
            ]
        )
        try database.storeIndexResults([Fixture.result(Fixture.day1, previous: nil, level: 1000, tickers: ["AAA"])])
        #expect(try database.performance(index: Fixture.index, range: Fixture.all).count == 1)
    }

    @Test("a failing migration rolls back whole and leaves the version where it was")
    func failingMigration() throws {
        let connection = try SQLiteConnection(path: directory.file("failing.sqlite"))
        let good = Migration(version: 1, name: "good", sql: "CREATE TABLE a (x)")
        let bad = Migration(version: 2, name: "bad", sql: "CREATE TABLE b (x); INSERT INTO nowhere VALUES (1)")
        #expect(throws: SQLiteError.self) { try Migrator(migrations: [good, bad]).migrate(connection) }
        #expect(try Migrator.version(of: connection) == 1)
        #expect(try connection.queryFirst("SELECT count(*) FROM sqlite_schema WHERE name = 'b'") { $0.int(at: 0) } == 0)
        let fixed = Migration(version: 2, name: "fixed", sql: "CREATE TABLE b (x)")
        #expect(try Migrator(migrations: [good, fixed]).migrate(connection) == 1)
        #expect(try Migrator.version(of: connection) == 2)
    }

    @Test("a database written by a newer build is refused")
    func newerDatabase() throws {
        let path = directory.file("newer.sqlite")
        try SQLiteConnection(path: path).exec("PRAGMA user_version = 99")
        let error = #expect(throws: SQLiteError.self) { try IndexDatabase(path: path) }
        #expect(error?.message.contains("newer") == true)
    }
}
