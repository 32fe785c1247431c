import TradingCalendar

/// A date range, both ends included.
package struct DateRange: Codable, Sendable, Equatable, Hashable {
    /// The first date.
    package var start: SessionDate
    /// The last date.
    package var end: SessionDate

    /// A range.
    package init(start: SessionDate, end: SessionDate) {
        self.start = start
        self.end = end
    }

    /// Every date the trading calendar covers.
    package static var coverage: DateRange {
        DateRange(start: NYSECalendar.coverage.lowerBound, end: NYSECalendar.coverage.upperBound)
    }

    /// Whether `date` is in the range.
    package func contains(_ date: SessionDate) -> Bool { start <= date && date <= end }

    /// The range a replay of `self` must cover so that the stored series stays one continuous series: "building a
    /// later range fills any gap first", and an earlier range reaches up to the stored base.
    ///
    /// - Parameter stored: the sessions already stored.
    package func replayRange(stored: Set<SessionDate>, calendar: NYSECalendar = .standard) -> DateRange {
        var start = self.start
        var end = self.end
        if let last = stored.max(), last < start, let next = calendar.nextSession(after: last), next < start {
            start = next
        }
        if let first = stored.min(), first > end, let previous = calendar.previousSession(before: first),
            previous > end
        {
            end = previous
        }
        return DateRange(start: start, end: end)
    }
}
