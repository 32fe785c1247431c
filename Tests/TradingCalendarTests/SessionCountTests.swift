import Testing
import TradingCalendar

@Suite("NYSE sessions per year")
struct SessionCountTests {
    /// Sessions per calendar year, 2000 first. Source: the Python package exchange_calendars 4.13.2, calendar
    /// "XNYS", `len` of `cal.sessions` grouped by year for 2000-01-01...2030-12-31. The full session list was
    /// also diffed against this calendar's `allSessions`: all 7,794 sessions agree, with no known differences
    /// (that version already includes the 2025-01-09 Carter closure and every other closure in the rules).
    static let expected: [Int] = [
        252, 248, 252, 252, 252, 252, 251, 251, 253, 252,  // 2000-2009
        252, 252, 250, 252, 252, 252, 252, 251, 251, 252,  // 2010-2019
        253, 252, 251, 250, 252, 250, 251, 251, 251, 251,  // 2020-2029
        251,  // 2030
    ]

    @Test("session count per year matches exchange_calendars XNYS", arguments: 2000...2030)
    func countPerYear(year: Int) throws {
        let calendar = NYSECalendar.standard
        let start = try #require(SessionDate(year: year, month: 1, day: 1))
        let end = try #require(SessionDate(year: year, month: 12, day: 31))
        #expect(calendar.sessions(from: start, to: end).count == Self.expected[year - 2000])
    }

    @Test("every weekday is either a session or listed by holidays(in:)", arguments: 2000...2030)
    func weekdaysPartition(year: Int) throws {
        let calendar = NYSECalendar.standard
        let start = try #require(SessionDate(year: year, month: 1, day: 1))
        let end = try #require(SessionDate(year: year, month: 12, day: 31))
        let weekdays = (start.dayNumber...end.dayNumber).filter { !SessionDate(dayNumber: $0).weekday.isWeekend }
        #expect(weekdays.count == Self.expected[year - 2000] + calendar.holidays(in: year).count)
    }

    @Test("total sessions across coverage")
    func total() {
        #expect(NYSECalendar.standard.allSessions.count == 7_794)
        #expect(Self.expected.reduce(0, +) == 7_794)
    }
}
