import Contracts
import Foundation
import Resilience
import StorageDatabase
import StoragePostgres
import Testing
import TradingCalendar

@Suite("Concurrent reads and online backup")
struct ConcurrencyAndBackupTests {
    /// A batch of `count` rows for the session `offset` days after day 1.
    static func session(_ offset: Int, rows count: Int, batch: String? = nil) -> ValidatedBatch {
        let date = Fixture.day1.adding(days: offset)
        let rows = (0..<count).map { Fixture.row("T\($0)", Double(offset * 1_000 + $0 + 1)) }
        return Fixture.batch(batch ?? "b\(offset)", date, rows: rows, stocks: [])
    }

    @Test(
        "reads during another connection's open write transaction neither wait nor fail, and see the last commit",
        arguments: BackendKind.allCases
    )
    func readsDuringWriteTransaction(_ backend: BackendKind) async throws {
        let store = try await backend.makeStore()
        // SQLite without a busy timeout: a read that needed the writer's lock would fail at once with SQLITE_BUSY.
        try await store.withDatabase(busyTimeoutMilliseconds: 0) { database in
            try await database.storeValidated([Self.session(0, rows: 50)])
            try await database.storeIndexResults([
                Fixture.result(Fixture.day1, previous: nil, level: 1000, tickers: ["T0"])
            ])

            let writer = try await store.begin(
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
                        let rows = try await database.validRows(on: Fixture.day1)?.rows.count ?? -1
                        _ = try await database.performance(index: Fixture.index, range: Fixture.all)
                        _ = try await database.composition(index: Fixture.index, on: Fixture.day2)
                        return rows + (try await database.status(index: Fixture.index).priceRows) * 1_000
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(counts == Array(repeating: 50 + 50 * 1_000, count: 16))
            #expect(try await database.validRows(on: Fixture.day2) == nil)
            try await writer.commit()
            #expect(try await database.validRows(on: Fixture.day2)?.rows.map(\.ticker) == ["NEW"])
            #expect(try await database.validRows(on: Fixture.day1)?.rows.count == 49)
        }
    }

    @Test("readers running while the writer replaces days always see whole days", arguments: BackendKind.allCases)
    func consistentSnapshots(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            try await database.storeValidated((0..<4).map { Self.session($0, rows: 200) })
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for round in 1...20 {
                        // Each round replaces every day with a batch of a different size.
                        try await database.storeValidated(
                            (0..<4).map { Self.session($0, rows: 200 + round * 10, batch: "r\(round)-\($0)") })
                    }
                }
                for _ in 0..<4 {
                    group.addTask {
                        for _ in 0..<50 {
                            for offset in 0..<4 {
                                let stored = try #require(
                                    try await database.validRows(on: Fixture.day1.adding(days: offset)))
                                #expect(stored.rows.count == stored.record.validRows)
                            }
                            let status = try await database.status(index: Fixture.index)
                            let closes = try await database.closes(range: Fixture.all)
                            #expect(status.priceRows % 4 == 0 && closes.count % 4 == 0)
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await database.status(index: Fixture.index).priceRows == 4 * 400)
        }
    }

    @Test(
        "a backup is a complete database: integrity ok, the same rows, results, version (PostgreSQL: refused)",
        arguments: BackendKind.allCases
    )
    func backup(_ backend: BackendKind) async throws {
        let store = try await backend.makeStore()
        try await store.withDatabase { database in
            try await database.storeValidated([Self.session(0, rows: 100), Self.session(1, rows: 80)])
            try await database.storeRejections([
                RejectionBatch(
                    batchID: "b0", date: Fixture.day1, source: "sim",
                    rejections: [
                        Rejection(
                            row: PriceRow(date: Fixture.day1, ticker: "X", close: .nan, marketCap: 1),
                            reason: .badClose, position: 3)
                    ])
            ])
            let result = Fixture.result(Fixture.day1, previous: nil, level: 1000, tickers: ["T0", "T1"])
            try await database.storeIndexResults([result])

            let copyPath = store.directory.file("backup.sqlite")
            let command = BackupCommand(destination: copyPath, index: Fixture.index)
            guard backend == .sqlite else {
                let refusal = await #expect(throws: PostgresBackendError.self) { try await database.backup(command) }
                #expect(refusal.map { "\($0)" }?.contains("pg_dump") == true)
                #expect(!FileManager.default.fileExists(atPath: copyPath))
                return
            }
            let reply = try await database.backup(command)
            #expect(reply.integrity == "ok")
            #expect(try await reply.status == database.status(index: Fixture.index))
            let copy = SQLiteBackend(database: try IndexDatabase(path: copyPath))
            #expect(try copy.database.integrityCheck() == "ok")
            #expect(try await copy.closes(range: Fixture.all) == database.closes(range: Fixture.all))
            #expect(try await copy.status(index: Fixture.index) == database.status(index: Fixture.index))
            #expect(try await copy.indexResult(index: Fixture.index, on: Fixture.day1) == result)
            #expect(try await copy.rejections(on: Fixture.day1).first?.row.close?.isNaN == true)
            #expect(
                try await copy.validRows(on: Fixture.day2)?.record == database.validRows(on: Fixture.day2)?.record)
            #expect(try Migrator.version(of: SQLiteConnection(path: copyPath)) == IndexSchema.migrations.count)
        }
    }

    /// SQLite only: an online copy of the file (a PostgreSQL backup is `pg_dump`'s, outside storage).
    @Test("a backup taken while writes go on is one consistent snapshot, and the writes all land")
    func backupDuringWrites() async throws {
        let directory = try TemporaryDirectory()
        let database = try directory.database()
        try database.storeValidated((0..<5).map { Self.session($0, rows: 1_000) })
        let copies = (0..<3).map { directory.file("copy-\($0).sqlite") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await runBlocking {
                    for offset in 5..<25 {
                        try database.storeValidated([Self.session(offset, rows: 1_000)])
                    }
                }
            }
            group.addTask {
                try await runBlocking {
                    for path in copies {
                        try database.backup(to: path)
                    }
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
