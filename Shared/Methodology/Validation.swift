import Contracts
import TradingCalendar

/// The validator rules of DESIGN.md ("Validator rules"), as a pure function of a batch and the recent history.
///
/// Decisions where DESIGN.md is silent:
/// - Market cap: a given `marketCap` is the one that counts, even when it is invalid; `close * sharesOutstanding`
///   is used only when no market cap is given ("given or derived": derived only when not given).
/// - A valid row carries finite numbers only. A present open, high or low that is not finite is rejected with
///   `price_outside_range` (no price can lie in a range with a non-finite end, and a non-finite open is outside any
///   range); `high_below_low` compares finite values only. A present volume that is negative or not finite is
///   rejected with `negative_volume`.
/// - Tickers are compared as Swift strings (canonical equivalence), exactly as given: no trimming or case folding.
/// - Flags compare with the row's own date: closes of the `TickerHistory.windowSessions` sessions before it count.
package enum Validation {
    /// `price_jump` is set when |close / previous valid close - 1| is strictly greater than this.
    package static let priceJumpThreshold = 0.5

    /// Validates a batch in its order; every row ends up in exactly one of `valid` and `rejections`.
    /// - Parameters:
    ///   - rows: the batch as the provider delivered it (the `duplicate` rule depends on the order).
    ///   - calendar: decides `not_a_session` and the flags' window.
    ///   - history: valid closes of earlier sessions, for the flags.
    package static func validate(
        rows: [PriceRow], calendar: NYSECalendar, history: TickerHistory
    ) -> ValidationOutcome {
        var outcome = ValidationOutcome()
        var seen = Set<RowKey>()
        var windows: [SessionDate: DateRange?] = [:]
        for (position, row) in rows.enumerated() {
            // The first row of a key is the one considered, so it claims the key whether or not it turns out valid.
            guard seen.insert(RowKey(date: row.date, ticker: row.ticker)).inserted else {
                outcome.rejections.append(Rejection(row: row, reason: .duplicate, position: position))
                continue
            }
            if let reason = rejectionReason(for: row, calendar: calendar) {
                outcome.rejections.append(Rejection(row: row, reason: reason, position: position))
                continue
            }
            // Rules 3 and 4 passed, so both unwrap.
            guard let close = row.close, let marketCap = resolvedMarketCap(of: row) else { continue }
            let window: DateRange?
            if let cached = windows[row.date] {
                window = cached
            } else {
                window = TickerHistory.window(before: row.date, calendar: calendar)
                windows[row.date] = window
            }
            let previous = window.map { history.closes(row.ticker, in: $0) } ?? []
            outcome.valid.append(
                ValidRow(
                    ticker: row.ticker, open: row.open, high: row.high, low: row.low, close: close,
                    volume: row.volume, marketCap: marketCap, flags: flags(close: close, previousCloses: previous)
                )
            )
        }
        return outcome
    }

    /// The first of rules 2-7 that `row` breaks, nil when it breaks none (rule 1 needs the batch).
    package static func rejectionReason(for row: PriceRow, calendar: NYSECalendar) -> RejectionReason? {
        guard calendar.isSession(row.date) else { return .notASession }
        guard let close = row.close, close.isFinite, close > 0 else { return .badClose }
        guard let marketCap = resolvedMarketCap(of: row), marketCap.isFinite, marketCap > 0 else {
            return .badMarketCap
        }
        if let high = row.high, let low = row.low, high.isFinite, low.isFinite, high < low {
            return .highBelowLow
        }
        if [row.open, row.high, row.low].contains(where: { $0.map { !$0.isFinite } ?? false }) {
            return .priceOutsideRange
        }
        if let high = row.high, let low = row.low {
            if [row.open, close].contains(where: { $0.map { $0 < low || $0 > high } ?? false }) {
                return .priceOutsideRange
            }
        }
        if let volume = row.volume, !(volume.isFinite && volume >= 0) {
            return .negativeVolume
        }
        return nil
    }

    /// The market cap that counts: the given one if any, else `close * sharesOutstanding`; nil when neither exists.
    package static func resolvedMarketCap(of row: PriceRow) -> Double? {
        if let given = row.marketCap { return given }
        guard let close = row.close, let shares = row.sharesOutstanding else { return nil }
        return close * shares
    }

    /// The non-rejecting flags of a valid close, given the ticker's previous valid closes (most recent last).
    package static func flags(close: Double, previousCloses: [Double]) -> [PriceFlag] {
        var flags: [PriceFlag] = []
        if let last = previousCloses.last, abs(close / last - 1) > priceJumpThreshold {
            flags.append(.priceJump)
        }
        let compared = previousCloses.suffix(TickerHistory.staleCount)
        if compared.count == TickerHistory.staleCount, compared.allSatisfy({ $0 == close }) {
            flags.append(.stale)
        }
        return flags
    }

    /// The (date, ticker) key of the `duplicate` rule.
    private struct RowKey: Hashable {
        var date: SessionDate
        var ticker: String
    }
}
