import Contracts
import TradingCalendar

/// The recent valid closes of each ticker, which the validator's `price_jump` and `stale` flags compare against.
///
/// Only closes of the `windowSessions` NYSE sessions before the session being validated count, so a history kept in
/// memory and one rebuilt from storage over ``window(before:calendar:)`` give identical flags. The history keeps
/// `staleCount + 1` closes per ticker: one more than the flags read, so that validating a replacement batch for the
/// latest recorded session (whose own closes are then excluded) still sees five closes before it. Sessions are meant
/// to be recorded in date order; a session recorded before older ones may have been trimmed, so the validator
/// rebuilds the history from storage to validate a session earlier than ``asOf``.
package struct TickerHistory: Sendable, Equatable {
    /// How many NYSE sessions before the session being validated hold the closes that count for its flags.
    package static let windowSessions = 30
    /// How many previous closes the `stale` flag compares.
    package static let staleCount = 5
    /// Closes kept per ticker (see the type's documentation for the extra one).
    static let keptCloses = staleCount + 1

    /// One close (or split ratio) and its session.
    fileprivate struct DatedClose: Sendable, Equatable {
        var date: SessionDate
        var close: Double
    }

    /// The last session recorded; nil when nothing is.
    package private(set) var asOf: SessionDate?

    /// Per ticker, its kept closes in ascending date order, one per date.
    private var byTicker: [String: [DatedClose]] = [:]
    /// Per ticker, the ratios of its latest accepted splits in ascending date order (at most `keptSplits`).
    private var splitsByTicker: [String: [DatedClose]] = [:]
    /// Splits kept per ticker: far more than can fall within the flags' window.
    static let keptSplits = 8

    /// An empty history.
    package init() {}

    /// A history rebuilt from stored valid closes (any order) and accepted splits; the closes of one date form that
    /// date's batch.
    package init(closes: [HistoricalClose], splits: [AcceptedAction] = []) {
        let byDate = Dictionary(grouping: closes, by: \.date)
        for date in byDate.keys.sorted() {
            insert(date: date, closes: byDate[date, default: []].map { ($0.ticker, $0.close) })
        }
        for split in splits.sorted(by: { $0.date < $1.date }) where split.kind == .split {
            Self.insert(
                DatedClose(date: split.date, close: split.value), into: &splitsByTicker[split.ticker, default: []])
            trimSplits(split.ticker)
        }
    }

    /// Records a session's valid rows and accepted splits; a session recorded again is replaced as a whole, as a new
    /// batch replaces it.
    package mutating func record(date: SessionDate, rows: [ValidRow], splits: [AcceptedAction] = []) {
        if let asOf, date <= asOf {
            removeAll(on: date)
        }
        for split in splits where split.kind == .split && split.date == date {
            Self.insert(DatedClose(date: date, close: split.value), into: &splitsByTicker[split.ticker, default: []])
            trimSplits(split.ticker)
        }
        insert(date: date, closes: rows.map { ($0.ticker, $0.close) })
    }

    /// The ticker's kept closes dated within `range` (both ends included): one look-up, no copy.
    package func closes(_ ticker: String, in range: DateRange) -> WindowCloses {
        guard let kept = byTicker[ticker] else { return .empty }
        // Kept closes ascend by date: the window is one contiguous run of them.
        let start = kept.firstIndex { range.start <= $0.date } ?? kept.endIndex
        var end = start
        while end < kept.endIndex, kept[end].date <= range.end { end += 1 }
        return WindowCloses(kept: kept[start..<end])
    }

    /// The product of the ticker's recorded split ratios dated in (`after`, `through`], in date order.
    package func splitFactor(_ ticker: String, after: SessionDate, through: SessionDate) -> Double {
        var factor = 1.0
        for split in splitsByTicker[ticker, default: []] where after < split.date && split.date <= through {
            factor *= split.close
        }
        return factor
    }

    private mutating func trimSplits(_ ticker: String) {
        if let count = splitsByTicker[ticker]?.count, count > Self.keptSplits {
            splitsByTicker[ticker]?.removeFirst(count - Self.keptSplits)
        }
    }

    /// The ticker's most recent kept closes (at most `staleCount`), most recent last, ignoring any window.
    package func previousCloses(_ ticker: String) -> [Double] {
        byTicker[ticker, default: []].suffix(Self.staleCount).map(\.close)
    }

    /// The `windowSessions` NYSE sessions before `date`, as a range; nil when the calendar knows no session before it.
    ///
    /// Near the start of the calendar's coverage the range holds fewer sessions.
    package static func window(before date: SessionDate, calendar: NYSECalendar) -> DateRange? {
        guard let end = calendar.previousSession(before: date) else { return nil }
        var start = end
        for _ in 1..<windowSessions {
            guard let earlier = calendar.previousSession(before: start) else { break }
            start = earlier
        }
        return DateRange(start: start, end: end)
    }

    /// Drops every ticker's close and split on `date`.
    private mutating func removeAll(on date: SessionDate) {
        for ticker in Array(byTicker.keys) {
            byTicker[ticker]?.removeAll { $0.date == date }
            if byTicker[ticker]?.isEmpty == true { byTicker[ticker] = nil }
        }
        for ticker in Array(splitsByTicker.keys) {
            splitsByTicker[ticker]?.removeAll { $0.date == date }
            if splitsByTicker[ticker]?.isEmpty == true { splitsByTicker[ticker] = nil }
        }
    }

    private static func insert(_ item: DatedClose, into kept: inout [DatedClose]) {
        if kept.last.map({ $0.date < item.date }) ?? true {
            kept.append(item)
        } else {
            kept.removeAll { $0.date == item.date }
            let position = kept.firstIndex { $0.date > item.date } ?? kept.endIndex
            kept.insert(item, at: position)
        }
        if kept.count > keptCloses { kept.removeFirst(kept.count - keptCloses) }
    }

    /// Adds one date's closes (a later close of the same ticker and date wins) and trims to `keptCloses`.
    private mutating func insert(date: SessionDate, closes: [(ticker: String, close: Double)]) {
        for (ticker, close) in closes {
            // In place through the dictionary's subscript: no copy of the ticker's array per row.
            Self.insert(DatedClose(date: date, close: close), into: &byTicker[ticker, default: []])
        }
        asOf = max(asOf ?? date, date)
    }
}

/// A ticker's kept closes within a window, most recent last: a view of the history, read without copying.
package struct WindowCloses {
    fileprivate let kept: ArraySlice<TickerHistory.DatedClose>

    /// No close (a ticker without history, or no window).
    package static let empty = WindowCloses(kept: [])

    /// The closes, most recent last.
    package var closes: some BidirectionalCollection<Double> { kept.lazy.map(\.close) }

    /// The most recent close, with its date.
    package var last: (date: SessionDate, close: Double)? { kept.last.map { ($0.date, $0.close) } }
}
