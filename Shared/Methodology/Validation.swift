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

    /// Decides a batch's corporate actions in its order, with the first reason that applies: `duplicate` (an earlier
    /// action has the same date, ticker and kind text, valid or not), `unknown_kind`, `not_a_session`, `bad_value`.
    package static func validate(actions: [CorporateAction], calendar: NYSECalendar) -> [ValidatedAction] {
        var seen = Set<ActionKey>()
        return actions.map { action in
            ValidatedAction(action: action, rejection: rejectionReason(for: action, calendar: calendar, seen: &seen))
        }
    }

    private static func rejectionReason(
        for action: CorporateAction, calendar: NYSECalendar, seen: inout Set<ActionKey>
    ) -> ActionRejectionReason? {
        guard seen.insert(ActionKey(date: action.date, ticker: action.ticker, kind: action.kind)).inserted else {
            return .duplicate
        }
        guard let kind = action.knownKind else { return .unknownKind }
        guard calendar.isSession(action.date) else { return .notASession }
        guard let value = action.value, value.isFinite else { return .badValue }
        switch kind {
        case .split: return value > 0 ? nil : .badValue
        case .cashDividend, .specialDividend: return value >= 0 ? nil : .badValue
        }
    }

    /// Validates a batch in its order; every row ends up in exactly one of `valid` and `rejections`.
    /// - Parameters:
    ///   - rows: the batch as the provider delivered it (the `duplicate` rule depends on the order).
    ///   - calendar: decides `not_a_session` and the flags' window.
    ///   - history: valid closes and accepted splits of earlier sessions, for the flags.
    ///   - splits: the batch's own accepted splits (a split dated on a row's date adjusts its `price_jump`).
    package static func validate(
        rows: [PriceRow], calendar: NYSECalendar, history: TickerHistory, splits: [AcceptedAction] = []
    ) -> ValidationOutcome {
        var batchSplits: [String: [AcceptedAction]] = [:]
        for split in splits where split.kind == .split { batchSplits[split.ticker, default: []].append(split) }
        var outcome = ValidationOutcome()
        outcome.valid.reserveCapacity(rows.count)
        var seen = Set<RowKey>(minimumCapacity: rows.count)
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
            let previous = window.map { history.closes(row.ticker, in: $0) } ?? .empty
            // The previous valid close, divided by the split ratios dated after it up to and including this row's date.
            var adjustedPrevious: Double?
            if let last = previous.last {
                var factor = history.splitFactor(row.ticker, after: last.date, through: row.date)
                for split in batchSplits[row.ticker, default: []] where last.date < split.date && split.date <= row.date
                {
                    factor *= split.value
                }
                adjustedPrevious = last.close / factor
            }
            outcome.valid.append(
                ValidRow(
                    ticker: row.ticker, open: row.open, high: row.high, low: row.low, close: close,
                    volume: row.volume, marketCap: marketCap,
                    flags: flags(close: close, adjustedPrevious: adjustedPrevious, previousCloses: previous.closes)
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

    /// The non-rejecting flags of a valid close, given the ticker's previous valid closes as stored (most recent
    /// last) and the most recent one adjusted for the splits since (nil: the last of `previousCloses`, unadjusted).
    package static func flags(
        close: Double, adjustedPrevious: Double? = nil, previousCloses: some BidirectionalCollection<Double>
    ) -> [PriceFlag] {
        var flags: [PriceFlag] = []
        if let last = adjustedPrevious ?? previousCloses.last, abs(close / last - 1) > priceJumpThreshold {
            flags.append(.priceJump)
        }
        let compared = previousCloses.suffix(TickerHistory.staleCount)
        if compared.count == TickerHistory.staleCount, compared.allSatisfy({ $0 == close }) {
            flags.append(.stale)
        }
        return flags
    }

    /// The (date, ticker, kind) key of the actions' `duplicate` rule.
    private struct ActionKey: Hashable {
        var date: SessionDate
        var ticker: String
        var kind: String
    }

    /// The (date, ticker) key of the `duplicate` rule.
    private struct RowKey: Hashable {
        var date: SessionDate
        var ticker: String
    }
}
