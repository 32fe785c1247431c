import Foundation
import TradingCalendar

/// The `csv` provider: the sessions of a prices file (with its metadata and corporate-actions files), as loaded by
/// `CSVPriceFile`.
package struct CSVProvider: PriceProvider {
    /// `csv`.
    package var name: String { "csv" }
    /// The file's contents.
    package let data: CSVData

    /// A provider over data already loaded.
    package init(data: CSVData) {
        self.data = data
    }

    /// Loads the files; see `CSVPriceFile.load(prices:stocks:actions:)`.
    ///
    /// - Throws: `CSVError`.
    package init(prices: URL, stocks: URL?, actions: URL? = nil) throws {
        self.init(data: try CSVPriceFile.load(prices: prices, stocks: stocks, actions: actions))
    }

    /// The files' dates in order, sessions or not, with rows or only actions: what a full ingest fetches.
    package var dates: [SessionDate] { data.dates }

    /// The rows of `date` in file order with the metadata of their tickers and the date's corporate actions; nil
    /// when the files have neither a row nor an action for it. A date with actions only is a session without rows.
    package func session(_ date: SessionDate) async throws -> ProviderSession? {
        let rows = data.rows(on: date)
        let actions = data.actions(on: date)
        guard rows != nil || !actions.isEmpty else { return nil }
        let sessionRows = rows ?? []
        return ProviderSession(date: date, rows: sessionRows, stocks: data.stocks(for: sessionRows), actions: actions)
    }
}
