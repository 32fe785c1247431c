import TradingCalendar

/// The NYSE sessions of the calendar's coverage as indexes, with the year and quarter each one falls in.
///
/// The simulation runs in session indexes: index 0 is the first session of 2000, and years and quarters are
/// contiguous index ranges, so yearly anchors and quarterly share changes are plain array look-ups.
struct SimSchedule: Sendable {
    /// The one schedule, over `NYSECalendar.standard`.
    static let standard = SimSchedule(calendar: .standard)

    /// Every session, ascending.
    let sessions: [SessionDate]
    /// The first calendar year covered.
    let firstYear: Int
    /// Session index where each year starts, one entry per year plus the end sentinel.
    let yearStart: [Int]
    /// Session index where each quarter starts (four per year), plus the end sentinel.
    let quarterStart: [Int]
    /// The year offset (year - firstYear) of each session.
    let yearOfSession: [Int16]
    /// The quarter offset ((year - firstYear) * 4 + quarter) of each session.
    let quarterOfSession: [Int16]
    /// For each day from the first covered day, its session index, or -1 when the exchange is closed.
    private let indexOfDay: [Int32]
    /// The day number of the first covered day.
    private let firstDay: Int32

    /// Builds the tables from `calendar`'s sessions.
    init(calendar: NYSECalendar) {
        let sessions = calendar.allSessions
        let firstDay = NYSECalendar.coverage.lowerBound.dayNumber
        let lastDay = NYSECalendar.coverage.upperBound.dayNumber
        let firstYear = NYSECalendar.coverage.lowerBound.year
        let yearCount = NYSECalendar.coverage.upperBound.year - firstYear + 1
        var indexOfDay = [Int32](repeating: -1, count: Int(lastDay - firstDay) + 1)
        var yearStart = [Int](repeating: sessions.count, count: yearCount + 1)
        var quarterStart = [Int](repeating: sessions.count, count: yearCount * 4 + 1)
        var yearOfSession = [Int16](repeating: 0, count: sessions.count)
        var quarterOfSession = [Int16](repeating: 0, count: sessions.count)
        // Filled backwards so each start ends up at the first session of its period; empty periods (none in
        // practice) keep the start of the next one.
        for (index, date) in sessions.enumerated().reversed() {
            let (year, month, _) = date.civil
            let yearOffset = year - firstYear
            let quarter = yearOffset * 4 + (month - 1) / 3
            indexOfDay[Int(date.dayNumber - firstDay)] = Int32(index)
            yearStart[yearOffset] = index
            quarterStart[quarter] = index
            yearOfSession[index] = Int16(yearOffset)
            quarterOfSession[index] = Int16(quarter)
        }
        for year in stride(from: yearCount - 1, through: 0, by: -1) where yearStart[year] > yearStart[year + 1] {
            yearStart[year] = yearStart[year + 1]
        }
        for quarter in stride(from: quarterStart.count - 2, through: 0, by: -1)
        where quarterStart[quarter] > quarterStart[quarter + 1] {
            quarterStart[quarter] = quarterStart[quarter + 1]
        }
        self.sessions = sessions
        self.firstYear = firstYear
        self.yearStart = yearStart
        self.quarterStart = quarterStart
        self.yearOfSession = yearOfSession
        self.quarterOfSession = quarterOfSession
        self.indexOfDay = indexOfDay
        self.firstDay = firstDay
    }

    /// How many sessions there are.
    var count: Int { sessions.count }

    /// How many years are covered.
    var yearCount: Int { yearStart.count - 1 }

    /// The session index of `date`; nil when it is not a session or lies outside coverage.
    func index(of date: SessionDate) -> Int? {
        let offset = Int(date.dayNumber) - Int(firstDay)
        guard offset >= 0, offset < indexOfDay.count else { return nil }
        let index = indexOfDay[offset]
        return index >= 0 ? Int(index) : nil
    }

    /// The index of the first session on or after `date`: 0 before coverage, `count` after it.
    func firstIndex(onOrAfter date: SessionDate) -> Int {
        partitionPoint { $0 < date }
    }

    /// The index of the first session strictly after `date`: 0 before coverage, `count` after it.
    func firstIndex(after date: SessionDate) -> Int {
        partitionPoint { $0 <= date }
    }

    /// Binary search for the first session where `isBefore` turns false.
    private func partitionPoint(_ isBefore: (SessionDate) -> Bool) -> Int {
        var low = 0
        var high = sessions.count
        while low < high {
            let mid = (low + high) / 2
            if isBefore(sessions[mid]) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// How many sessions year offset `year` has.
    func sessionCount(year: Int) -> Int {
        yearStart[year + 1] - yearStart[year]
    }
}
