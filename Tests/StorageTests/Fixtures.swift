import Contracts
import Foundation
import StorageDatabase
import TradingCalendar

/// A folder under the system's temporary directory, removed with everything in it when released.
final class TemporaryDirectory: Sendable {
    /// The folder's path.
    let path: String

    /// Creates a fresh folder.
    init() throws {
        path = NSTemporaryDirectory() + "storage-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// A path inside the folder.
    func file(_ name: String) -> String { path + "/" + name }

    /// Opens (creating) an index database in the folder.
    func database(_ name: String = "index.sqlite", synchronous: SynchronousMode = .full) throws -> IndexDatabase {
        try IndexDatabase(path: file(name), synchronous: synchronous, readerCount: 3)
    }
}

/// Builders of messages for the tests.
enum Fixture {
    /// 2024-01-02, a Tuesday and an NYSE session.
    static let day1 = SessionDate("2024-01-02")!
    /// 2024-01-03.
    static let day2 = SessionDate("2024-01-03")!
    /// 2024-01-04.
    static let day3 = SessionDate("2024-01-04")!
    /// 2024-01-05.
    static let day4 = SessionDate("2024-01-05")!
    /// The index used throughout.
    static let index = Indexes.defaultID

    /// A valid row whose numbers derive from `seed`.
    static func row(_ ticker: String, _ seed: Double, flags: [PriceFlag] = []) -> ValidRow {
        ValidRow(
            ticker: ticker, open: seed, high: seed + 1, low: seed - 1, close: seed + 0.5, volume: seed * 1_000,
            marketCap: seed * 1e9, flags: flags
        )
    }

    /// A validated batch of `rows`, with metadata for each ticker.
    static func batch(
        _ id: String, _ date: SessionDate, rows: [ValidRow], received: Int? = nil, rejected: Int = 0,
        stocks: [StockInfo]? = nil, replay: ReplayMark? = nil
    ) -> ValidatedBatch {
        ValidatedBatch(
            batchID: id, date: date, source: "sim", replay: replay, rows: rows,
            stocks: stocks ?? rows.map { stock($0.ticker) }, receivedRows: received ?? rows.count + rejected,
            rejectedRows: rejected
        )
    }

    /// Metadata for `ticker`.
    static func stock(_ ticker: String, name: String? = nil) -> StockInfo {
        StockInfo(ticker: ticker, name: name ?? "\(ticker) Inc.", sector: "Tech", exchange: "NYSE")
    }

    /// A non-retraction index result with constituents `tickers` in rank order.
    static func result(
        _ date: SessionDate, previous: SessionDate?, level: Double, tickers: [String], previousTickers: [String] = [],
        departures: [CompositionChange] = [], batchID: String = "b", replay: ReplayMark? = nil
    ) -> IndexResult {
        let weight = 1 / Double(tickers.count)
        let constituents = tickers.enumerated().map { offset, ticker in
            Constituent(
                ticker: ticker, rank: offset + 1, weight: weight, marketCap: Double(100 - offset) * 1e9,
                close: Double(offset) + 10.25
            )
        }
        return IndexResult(
            index: index, date: date, previousDate: previous, level: level,
            dailyReturn: previous == nil ? 0 : level / 1000 - 1, constituents: constituents,
            previousTickers: previousTickers, departures: departures, sourceBatchID: batchID, replay: replay
        )
    }

    /// A retraction of `date`.
    static func retraction(_ date: SessionDate, previous: SessionDate?) -> IndexResult {
        IndexResult(index: index, date: date, previousDate: previous, level: 0, dailyReturn: 0, constituents: [])
    }

    /// The whole range used by the tests.
    static let all = DateRange(start: SessionDate("2000-01-01")!, end: SessionDate("2100-01-01")!)
}
