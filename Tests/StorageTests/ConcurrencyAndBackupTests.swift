import Contracts
import StorageDatabase
import Testing
import TradingCalendar

@Suite("Concurrent reads and online backup")
struct ConcurrencyAndBackupTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    /// A batch of `count` rows for the session `offset` days after day 1.
    static func session(_ offset: Int, rows count: Int, batch: String? = nil) -> ValidatedBatch {
        let date = Fixture.day1.adding(days: offset)
        let rows = (0..<count).map { Fixture.row("T\($0)", Double(offset * 1_000 + $0 + 1)) }
        return Fixture.batch(batch ?? "b\(offset)", date, rows: rows, stocks: [])
    }

    @Test("reads during another connection's open write transaction neither wait nor fail, and see the last commit")
    func readsDuringWriteTransaction() async throws {
        let path = directory.file("index.sqlite")
        // No busy timeout: a read that needed the writer's lock would fail at once with SQLITE_BUSY.
        let database = try IndexDatabase(path: path, readerCount: 4, busyTimeoutMilliseconds: 0)
        try database.storeValidated([Self.session(0, rows: 50)])
        try database.storeIndexResults([Fixture.result(Fixture.day1, previous: nil, level: 1000, tickers: ["T0"])])

        let writer = try SQLiteConnection(path: path)
        try writer.exec("BEGIN IMMEDIATE")
        try writer.exec(
            """
            INSERT INTO sessions (date, batch_id, source, received_rows, valid_rows, rejected_rows, stored_at)
                VALUES ('2024-01-03', 'x', 'sim', 1, 1, 0, 'now');
            INSERT INTO prices (date, ticker, close, market_cap) VALUES ('2024-01-03', 'NEW', 1, 1);
            DELETE FROM prices WHERE date = '2024-01-02' AND ticker = 'T0';
            """
        )
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    let rows = try database.validRows(on: Fixture.day1)?.rows.count ?? -1
                    _ = try database.performance(index: Fixture.index, range: Fixture.all)
                    _ = try database.composition(index: Fixture.index, on: Fixture.day2)
                    return rows + (try database.status(index: Fixture.index).priceRows) * 1_000
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(counts == Array(repeating: 50 + 50 * 1_000, count: 16))
        #expect(try database.validRows(on: Fixture.day2) == nil)
        try writer.exec("COMMIT")
        #expect(try database.validRows(on: Fixture.day2)?.rows.map(\.ticker) == ["NEW"])
        #expect(try database.validRows(on: Fixture.day1)?.rows.count == 49)
    }

    @Test("readers running while the writer replaces days always see whole days")
    func consistentSnapshots() async throws {
        let database = try directory.database()
        try database.storeValidated((0..<4).map { Self.session($0, rows: 200) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for round in 1...20 {
                    // Each round replaces every day with a batch of a different size.
                    try database.storeValidated(
                        (0..<4).map { Self.session($0, rows: 200 + round * 10, batch: "r\(round)-\($0)") })
                }
            }
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<50 {
                        for offset in 0..<4 {
                            let stored = try #require(try database.validRows(on: Fixture.day1.adding(days: offset)))
                            #expect(stored.rows.count == stored.record.validRows)
                        }
                        let status = try database.status(index: Fixture.index)
                        let closes = try database.closes(range: Fixture.all)
                        #expect(status.priceRows % 4 == 0 && closes.count % 4 == 0)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try database.status(index: Fixture.index).priceRows == 4 * 400)
    }

    @Test("a backup is a complete database: integrity ok, the same rows, results and schema version")
    func backup() throws {
        let database = try directory.database()
        try database.storeValidated([Self.session(0, rows: 100), Self.session(1, rows: 80)])
        try database.storeRejections([
            RejectionBatch(
                batchID: "b0", date: Fixture.day1, source: "sim",
                rejections: [
                    Rejection(
                        row: PriceRow(date: Fixture.day1, ticker: "X", close: .nan, marketCap: 1), reason: .badClose,
                        position: 3)
                ])
        ])
        let result = Fixture.result(Fixture.day1, previous: nil, level: 1000, tickers: ["T0", "T1"])
        try database.storeIndexResults([result])

        let copyPath = directory.file("backup.sqlite")
        try database.backup(to: copyPath)
        let copy = try IndexDatabase(path: copyPath)
        #expect(try copy.integrityCheck() == "ok")
        #expect(try copy.closes(range: Fixture.all) == database.closes(range: Fixture.all))
        #expect(try copy.status(index: Fixture.index) == database.status(index: Fixture.index))
        #expect(try copy.indexResult(index: Fixture.index, on: Fixture.day1) == result)
        #expect(try copy.rejections(on: Fixture.day1).first?.row.close?.isNaN == true)
        #expect(try copy.validRows(on: Fixture.day2)?.record == database.validRows(on: Fixture.day2)?.record)
        #expect(try Migrator.version(of: SQLiteConnection(path: copyPath)) == IndexSchema.migrations.count)
    }

    @Test("a backup taken while writes go on is one consistent snapshot, and the writes all land")
    func backupDuringWrites() async throws {
        let database = try directory.database()
        try database.storeValidated((0..<5).map { Self.session($0, rows: 1_000) })
        let copies = (0..<3).map { directory.file("copy-\($0).sqlite") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for offset in 5..<25 {
                    try database.storeValidated([Self.session(offset, rows: 1_000)])
                }
            }
            group.addTask {
                for path in copies {
                    try database.backup(to: path)
                }
            }
            try await group.waitForAll()
        }
        #expect(try database.status(index: Fixture.index).priceRows == 25 * 1_000)
        for path in copies {
            let copy = try SQLiteConnection(path: path, mode: .readOnly)
            #expect(try copy.pragma("PRAGMA integrity_check") == "ok")
            let counts = try copy.queryFirst(
                """
                SELECT (SELECT count(*) FROM prices), (SELECT sum(valid_rows) FROM sessions),
                    (SELECT count(*) FROM sessions)
                """
            ) { [$0.int(at: 0), $0.int(at: 1), $0.int(at: 2) * 1_000] }
            #expect(counts?.count == 3 && Set(counts ?? []).count == 1)
        }
    }
}
