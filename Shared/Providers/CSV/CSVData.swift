import Contracts
import TradingCalendar

/// The contents of a prices file (and optionally a metadata file and a corporate-actions file), grouped by date.
package struct CSVData: Sendable, Equatable {
    /// The rows of each date, in file order (the validator's duplicate rule depends on it).
    package var sessions: [SessionDate: [PriceRow]]
    /// The corporate actions of each date, in file order.
    package var actions: [SessionDate: [CorporateAction]]
    /// The distinct dates with rows or actions, ascending; dates that are not NYSE sessions included.
    package var dates: [SessionDate]
    /// Stock metadata from the metadata file, in file order; a ticker listed twice keeps its first line.
    package var stocks: [StockInfo]
    /// How many price rows the file has.
    package var rowCount: Int
    /// The metadata by ticker.
    private var stockByTicker: [String: StockInfo]

    /// How many actions the actions file has.
    package var actionCount: Int { actions.values.reduce(0) { $0 + $1.count } }

    /// Data with the given parts.
    package init(
        sessions: [SessionDate: [PriceRow]], stocks: [StockInfo], actions: [SessionDate: [CorporateAction]] = [:]
    ) {
        self.sessions = sessions
        self.actions = actions
        // An action dated where the prices have no row still has to reach the pipeline: its date is a date too.
        self.dates = Set(sessions.keys).union(actions.keys).sorted()
        self.stocks = stocks
        self.rowCount = sessions.values.reduce(0) { $0 + $1.count }
        self.stockByTicker = Dictionary(stocks.map { ($0.ticker, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The rows of `date` in file order, nil when the file has none.
    package func rows(on date: SessionDate) -> [PriceRow]? {
        sessions[date]
    }

    /// The corporate actions of `date` in file order; empty when there are none.
    package func actions(on date: SessionDate) -> [CorporateAction] {
        actions[date] ?? []
    }

    /// The metadata of the tickers in `rows`, in order of first appearance, for those the metadata file has.
    package func stocks(for rows: [PriceRow]) -> [StockInfo] {
        guard !stockByTicker.isEmpty else { return [] }
        var seen = Set<String>()
        var result: [StockInfo] = []
        for row in rows where seen.insert(row.ticker).inserted {
            if let info = stockByTicker[row.ticker] { result.append(info) }
        }
        return result
    }
}
