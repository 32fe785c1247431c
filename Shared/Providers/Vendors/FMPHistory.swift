import Contracts
import Foundation
import TradingCalendar

/// One ticker's rows over one block, as fetched at one instant.
package struct FMPHistory: Sendable {
    /// The rows by date.
    package var rows: [SessionDate: PriceRow]
    /// When the fetch started (wall clock): dates settled by then are final in this history.
    package var fetchedAt: Date

    /// A history.
    package init(rows: [SessionDate: PriceRow], fetchedAt: Date) {
        self.rows = rows
        self.fetchedAt = fetchedAt
    }

    /// Whether this history answers for `date`: fetched after the date's data was settled.
    package func isFinal(for date: SessionDate) -> Bool {
        SessionSettlement.isSettled(date, at: fetchedAt)
    }

    /// Joins a block's price bars and market caps: a bar's market cap is the vendor's for that date; where the vendor
    /// has none, the shares implied by the latest earlier date with both are carried as `sharesOutstanding` (the
    /// validator then derives the cap as close x shares).
    package static func join(
        ticker: String, bars: [(SessionDate, FMPWire.PriceBar)], caps: [SessionDate: Double], fetchedAt: Date
    ) -> FMPHistory {
        var rows: [SessionDate: PriceRow] = [:]
        var impliedShares: Double?
        for (date, bar) in bars.sorted(by: { $0.0 < $1.0 }) {
            var row = PriceRow(
                date: date, ticker: ticker, open: bar.open, high: bar.high, low: bar.low, close: bar.close,
                volume: bar.volume, marketCap: caps[date])
            if let cap = row.marketCap, bar.close > 0, cap > 0 {
                impliedShares = cap / bar.close
            } else if row.marketCap == nil {
                row.sharesOutstanding = impliedShares
            }
            rows[date] = row
        }
        return FMPHistory(rows: rows, fetchedAt: fetchedAt)
    }
}
