import Contracts
import Foundation
import TradingCalendar

/// One ticker's rows and corporate actions over one block, as fetched at one instant.
package struct FMPHistory: Sendable {
    /// The rows by date.
    package var rows: [SessionDate: PriceRow]
    /// The corporate actions by ex-date: the splits, then the dividends, each in FMP's order.
    package var actions: [SessionDate: [CorporateAction]]
    /// When the fetch started (wall clock): dates settled by then are final in this history.
    package var fetchedAt: Date

    /// A history.
    package init(rows: [SessionDate: PriceRow], actions: [SessionDate: [CorporateAction]] = [:], fetchedAt: Date) {
        self.rows = rows
        self.actions = actions
        self.fetchedAt = fetchedAt
    }

    /// Whether this history answers for `date`: fetched after the date's data was settled.
    package func isFinal(for date: SessionDate) -> Bool {
        SessionSettlement.isSettled(date, at: fetchedAt)
    }

    /// Joins a block's as-traded price bars, market caps, splits and dividends.
    ///
    /// A bar's market cap is the vendor's for that date. Where the vendor has none, the shares implied by the latest
    /// earlier date with both (cap / close) are carried as `sharesOutstanding`, multiplied by the ratios of the splits
    /// dated after that date up to this one, as the closes are as traded (the validator then derives the cap as close
    /// x shares).
    ///
    /// A split's value is `numerator / denominator` (shares after per share before), nil when that is not a finite
    /// number, so the validator rejects it as `bad_value` rather than it vanishing. Every dividend is a
    /// `cash_dividend` of its `dividend` amount (as declared, on the basis of its date; never `adjDividend`): FMP does
    /// not mark special dividends, so a special one arrives as a regular one (it counts in total return, and a
    /// price-return index sees the price drop it causes).
    package static func join(
        ticker: String, bars: [(SessionDate, FMPWire.PriceBar)], caps: [SessionDate: Double],
        splits: [(SessionDate, FMPWire.Split)] = [], dividends: [(SessionDate, FMPWire.Dividend)] = [],
        fetchedAt: Date
    ) -> FMPHistory {
        var actions: [SessionDate: [CorporateAction]] = [:]
        var ratios: [SessionDate: Double] = [:]
        for (date, split) in splits {
            let ratio = split.numerator / split.denominator
            let value = ratio.isFinite ? ratio : nil
            actions[date, default: []].append(CorporateAction(date: date, ticker: ticker, kind: .split, value: value))
            if let value, value > 0 { ratios[date, default: 1] *= value }
        }
        for (date, dividend) in dividends {
            actions[date, default: []].append(
                CorporateAction(date: date, ticker: ticker, kind: .cashDividend, value: dividend.dividend))
        }
        var rows: [SessionDate: PriceRow] = [:]
        var implied: (date: SessionDate, shares: Double)?
        for (date, bar) in bars.sorted(by: { $0.0 < $1.0 }) {
            var row = PriceRow(
                date: date, ticker: ticker, open: bar.open, high: bar.high, low: bar.low, close: bar.close,
                volume: bar.volume, marketCap: caps[date])
            if let cap = row.marketCap, bar.close > 0, cap > 0 {
                implied = (date, cap / bar.close)
            } else if row.marketCap == nil, let implied {
                let factor = ratios.filter { $0.key > implied.date && $0.key <= date }.values.reduce(1, *)
                row.sharesOutstanding = implied.shares * factor
            }
            rows[date] = row
        }
        return FMPHistory(rows: rows, actions: actions, fetchedAt: fetchedAt)
    }
}
