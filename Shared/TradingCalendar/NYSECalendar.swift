/// The New York Stock Exchange full-day trading sessions from 2000-01-01 through 2030-12-31.
///
/// Everything is precomputed at init, so queries are a bit test or a binary search and never allocate except
/// when returning arrays. Early closes (half days) count as full sessions: the question answered is only
/// whether the exchange opens at all.
package struct NYSECalendar: Sendable {
    /// The shared instance; building it takes well under a millisecond, but there is no reason to do it twice.
    package static let standard = NYSECalendar()

    /// The dates this calendar knows about; answers for dates outside it are never guessed.
    package static let coverage: ClosedRange<SessionDate> =
        SessionDate(checkedYear: 2000, month: 1, day: 1)...SessionDate(checkedYear: 2030, month: 12, day: 31)

    /// Every session in coverage, ascending.
    package let allSessions: [SessionDate]

    /// Bit `n` is set when coverage.lowerBound + n days is a session.
    private let sessionBits: [UInt64]

    /// Weekday closures per year, indexed by year - coverage year.
    private let closuresByYear: [[Holiday]]

    /// Builds the calendar from the rules in `NYSEHolidayRules`.
    package init() {
        let first = Self.coverage.lowerBound
        let last = Self.coverage.upperBound
        let closuresByYear = (first.year...last.year).map { NYSEHolidayRules.closures(in: $0) }
        let closedDays = Set(closuresByYear.joined().map(\.date))
        let dayCount = Int(last.dayNumber - first.dayNumber) + 1
        var bits = [UInt64](repeating: 0, count: (dayCount + 63) / 64)
        var sessions: [SessionDate] = []
        sessions.reserveCapacity(dayCount * 5 / 7)
        for offset in 0..<dayCount {
            let date = first.adding(days: offset)
            guard !date.weekday.isWeekend, !closedDays.contains(date) else { continue }
            sessions.append(date)
            bits[offset >> 6] |= 1 << UInt64(offset & 63)
        }
        self.allSessions = sessions
        self.sessionBits = bits
        self.closuresByYear = closuresByYear
    }

    /// Whether `date` lies within `coverage`.
    package func contains(_ date: SessionDate) -> Bool {
        Self.coverage.contains(date)
    }

    /// Whether the exchange holds a session on `date`; false outside coverage.
    package func isSession(_ date: SessionDate) -> Bool {
        guard contains(date) else { return false }
        let offset = Int(date.dayNumber - Self.coverage.lowerBound.dayNumber)
        return sessionBits[offset >> 6] & (1 << UInt64(offset & 63)) != 0
    }

    /// The sessions from `start` through `end` inclusive, clipped to coverage; empty when `start > end`.
    package func sessions(from start: SessionDate, to end: SessionDate) -> [SessionDate] {
        guard start <= end else { return [] }
        let lower = firstIndex(notBefore: start)
        let upper = firstIndex(after: end)
        return lower < upper ? Array(allSessions[lower..<upper]) : []
    }

    /// The first session strictly after `date`; nil when coverage cannot tell (it would need days outside it).
    package func nextSession(after date: SessionDate) -> SessionDate? {
        // The day after `date` must be covered, or an uncovered closure could be skipped over silently.
        guard date >= Self.coverage.lowerBound.adding(days: -1) else { return nil }
        let index = firstIndex(after: date)
        return index < allSessions.count ? allSessions[index] : nil
    }

    /// The last session strictly before `date`; nil when coverage cannot tell.
    package func previousSession(before date: SessionDate) -> SessionDate? {
        guard date <= Self.coverage.upperBound.adding(days: 1) else { return nil }
        let index = firstIndex(notBefore: date)
        return index > 0 ? allSessions[index - 1] : nil
    }

    /// `date` itself when it is a session, else the last session before it; nil when coverage cannot tell.
    package func sessionOnOrBefore(_ date: SessionDate) -> SessionDate? {
        guard date <= Self.coverage.upperBound else { return nil }
        return previousSession(before: date.adding(days: 1))
    }

    /// `date` itself when it is a session, else the first session after it; nil when coverage cannot tell.
    package func sessionOnOrAfter(_ date: SessionDate) -> SessionDate? {
        guard date >= Self.coverage.lowerBound else { return nil }
        return nextSession(after: date.adding(days: -1))
    }

    /// The weekday closures (observed holidays and unscheduled closures) in `year`, ascending; empty outside
    /// coverage. A Saturday New Year's Day is absent because the exchange does not observe it.
    package func holidays(in year: Int) -> [Holiday] {
        let index = year - Self.coverage.lowerBound.year
        return closuresByYear.indices.contains(index) ? closuresByYear[index] : []
    }

    /// Index of the first session `>= date` (allSessions.count when none).
    private func firstIndex(notBefore date: SessionDate) -> Int {
        partitionPoint { $0 < date }
    }

    /// Index of the first session `> date` (allSessions.count when none).
    private func firstIndex(after date: SessionDate) -> Int {
        // Comparing with <= rather than searching for date + 1 keeps Int32.max day numbers from trapping.
        partitionPoint { $0 <= date }
    }

    /// Binary search for the first session where `isBefore` turns false; sessions are sorted, so it is monotone.
    private func partitionPoint(_ isBefore: (SessionDate) -> Bool) -> Int {
        var low = 0
        var high = allSessions.count
        while low < high {
            let mid = (low + high) / 2
            if isBefore(allSessions[mid]) { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
