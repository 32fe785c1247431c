import Foundation
import TradingCalendar

/// The `csv` provider: the sessions of a prices file (and its metadata file), as loaded by `CSVPriceFile`.
package struct CSVProvider: PriceProvider {
    /// `csv`.
    package var name: String { "csv" }
    /// The file's contents.
    package let data: CSVData

    /// A provider over data already loaded.
    package init(data: CSVData) {
        self.data = data
    }

    /// Loads the files; see `CSVPriceFile.load(prices:stocks:)`.
    ///
    /// - Throws: `CSVError`.
    package init(prices: URL, stocks: URL?) throws {
        self.init(data: try CSVPriceFile.load(prices: prices, stocks: stocks))
    }

    /// The file's dates in order, sessions or not: what a full ingest fetches.
    package var dates: [SessionDate] { data.dates }

    /// The rows of `date` in file order with the metadata of their tickers; nil when the file has no row for it.
    package func session(_ date: SessionDate) async throws -> ProviderSession? {
        guard let rows = data.rows(on: date) else { return nil }
        return ProviderSession(date: date, rows: rows, stocks: data.stocks(for: rows))
    }
}
