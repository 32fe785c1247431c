import Contracts
import Foundation
import StorageDatabase
import Testing
import TradingCalendar

/// Measures the back-fill hot path and prints the rate; it asserts what was stored, never how fast.
///
/// `STORAGE_BENCH_SESSIONS` sets the number of 5,000-row sessions (default 40); `STORAGE_BENCH_BATCH` how many
/// sessions go in one transaction (default 10), as the storage service batches its acks;
/// `STORAGE_BENCH_SYNCHRONOUS` SQLite's mode (`FULL`, the default, or `NORMAL`). PostgreSQL runs on the tests' own
/// server, which has `fsync=off`: its figure is no durable rate. For a figure worth quoting, build in release and run
/// this test alone: `swift test -c release -Xswiftc -enable-testing --filter InsertRateTests`.
@Suite("Insert rate")
struct InsertRateTests {
    @Test(
        "back-filling sessions of 5,000 rows stores every row; prints rows per second", arguments: BackendKind.allCases)
    func backfill(_ backend: BackendKind) async throws {
        let environment = ProcessInfo.processInfo.environment
        let mode = environment["STORAGE_BENCH_SYNCHRONOUS"].flatMap(SynchronousMode.init) ?? .full
        let sessions = environment["STORAGE_BENCH_SESSIONS"].flatMap(Int.init) ?? 40
        let perTransaction = environment["STORAGE_BENCH_BATCH"].flatMap(Int.init) ?? 10
        let rowsPerSession = 5_000
        let store = try await backend.makeStore()
        try await store.withDatabase(synchronous: mode) { database in

            let tickers = (0..<rowsPerSession).map { "T\($0)" }
            let stocks = tickers.map { Fixture.stock($0) }
            let dates = NYSECalendar.standard.sessions(from: SessionDate("2014-01-01")!, to: SessionDate("2030-12-31")!)
            let clock = ContinuousClock()
            var elapsed = Duration.zero
            for start in stride(from: 0, to: sessions, by: perTransaction) {
                let batches = (start..<min(start + perTransaction, sessions)).map { offset in
                    let rows = tickers.enumerated().map { index, ticker in
                        let price = Double(100 + (index * 7 + offset * 13) % 900) + 0.25
                        return ValidRow(
                            ticker: ticker, open: price - 1, high: price + 2, low: price - 2, close: price,
                            volume: Double(1_000_000 + index), marketCap: price * 1e7 * Double(index + 1),
                            flags: index % 97 == 0 ? [.stale] : []
                        )
                    }
                    return ValidatedBatch(
                        batchID: "bench-\(offset)", date: dates[offset], source: "sim", replay: nil, rows: rows,
                        stocks: stocks, receivedRows: rowsPerSession, rejectedRows: 0
                    )
                }
                let started = clock.now
                try await database.storeValidated(batches)
                elapsed += clock.now - started
            }
            let rows = sessions * rowsPerSession
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            print(
                "storage insert rate (\(backend.rawValue), synchronous=\(mode.rawValue), \(perTransaction) sessions per transaction): "
                    + "\(rows) rows in \(String(format: "%.2f", seconds)) s = \(Int(Double(rows) / seconds)) rows/s"
            )
            #expect(try await database.status(index: Fixture.index).priceRows == rows)
            #expect(try await database.closes(range: Fixture.all).count == rows)
        }
    }
}
