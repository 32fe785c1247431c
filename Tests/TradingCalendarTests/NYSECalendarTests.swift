import Testing
import TradingCalendar

/// Parses a test literal, trapping on typos so a bad fixture cannot pass silently.
func date(_ text: String) -> SessionDate {
    guard let date = SessionDate(text) else { preconditionFailure("bad test date \(text)") }
    return date
}

@Suite("NYSECalendar rules")
struct NYSECalendarTests {
    let calendar = NYSECalendar.standard

    @Test(
        "regular holidays are closed",
        arguments: [
            "2000-01-17",  // MLK Day, third Monday of January
            "2022-01-17",  // MLK Day
            "2024-02-19",  // Washington's Birthday, third Monday of February
            "2000-04-21", "2008-03-21", "2024-03-29", "2030-04-19",  // Good Friday, including early and late Easters
            "2019-04-19", "2011-04-22",
            "2024-05-27",  // Memorial Day, last Monday of May
            "2020-05-25",
            "2023-06-19",  // Juneteenth on a Monday
            "2024-07-04",  // Independence Day
            "2024-09-02",  // Labor Day, first Monday of September
            "2024-11-28",  // Thanksgiving, fourth Thursday of November
            "2012-11-22",
            "2024-12-25",  // Christmas
            "2024-01-01",  // New Year's Day
        ])
    func regularHolidays(text: String) {
        #expect(!calendar.isSession(date(text)))
        #expect(date(text).weekday.isWeekend == false)
    }

    @Test(
        "weekend observance moves closures to the adjacent weekday",
        arguments: [
            "2017-01-02",  // New Year's Day on Sunday -> Monday
            "2023-01-02",
            "2022-06-20",  // Juneteenth on Sunday -> Monday
            "2027-06-18",  // Juneteenth on Saturday -> Friday
            "2020-07-03",  // Independence Day on Saturday -> Friday
            "2015-07-03",
            "2021-07-05",  // Independence Day on Sunday -> Monday
            "2021-12-24",  // Christmas on Saturday -> Friday
            "2022-12-26",  // Christmas on Sunday -> Monday
        ])
    func observedClosures(text: String) {
        #expect(!calendar.isSession(date(text)))
    }

    @Test(
        "Saturday New Year's Day is not observed on the preceding Friday",
        arguments: [
            "2004-12-31", "2010-12-31", "2021-12-31",
        ])
    func saturdayNewYearNotObserved(text: String) {
        #expect(calendar.isSession(date(text)))
        #expect(date(text).weekday == .friday)
    }

    @Test("Juneteenth was an ordinary session before 2022", arguments: ["2020-06-19", "2021-06-18"])
    func juneteenthBefore2022(text: String) {
        #expect(calendar.isSession(date(text)))
    }

    @Test(
        "unscheduled closures are closed",
        arguments: [
            "2001-09-11", "2001-09-12", "2001-09-13", "2001-09-14",  // September 11 attacks
            "2004-06-11",  // Reagan
            "2007-01-02",  // Ford
            "2012-10-29", "2012-10-30",  // Hurricane Sandy
            "2018-12-05",  // G. H. W. Bush
            "2025-01-09",  // Carter
        ])
    func unscheduledClosures(text: String) {
        #expect(!calendar.isSession(date(text)))
        #expect(calendar.holidays(in: date(text).year).contains { $0.date == date(text) })
    }

    @Test(
        "the exchange reopened after each unscheduled closure",
        arguments: [
            "2001-09-17", "2004-06-14", "2007-01-03", "2012-10-31", "2018-12-06", "2025-01-10",
        ])
    func reopenings(text: String) {
        #expect(calendar.isSession(date(text)))
    }

    @Test("ordinary weekdays are sessions and weekends are not")
    func ordinaryDays() {
        #expect(calendar.isSession(date("2024-03-28")))
        #expect(calendar.isSession(date("2000-01-03")))
        #expect(calendar.isSession(date("2030-12-31")))
        #expect(!calendar.isSession(date("2024-03-30")))
        #expect(!calendar.isSession(date("2024-03-31")))
    }

    @Test("coverage bounds")
    func coverage() {
        #expect(NYSECalendar.coverage.lowerBound == date("2000-01-01"))
        #expect(NYSECalendar.coverage.upperBound == date("2030-12-31"))
        #expect(calendar.contains(date("2000-01-01")) && calendar.contains(date("2030-12-31")))
        #expect(!calendar.contains(date("1999-12-31")) && !calendar.contains(date("2031-01-01")))
        // Both are real NYSE sessions, but outside coverage the calendar must not claim to know.
        #expect(!calendar.isSession(date("1999-12-30")))
        #expect(!calendar.isSession(date("2031-01-02")))
        #expect(calendar.allSessions.first == date("2000-01-03"))
        #expect(calendar.allSessions.last == date("2030-12-31"))
    }

    @Test("sessions(from:to:) is inclusive")
    func sessionsInclusive() {
        #expect(
            calendar.sessions(from: date("2024-03-25"), to: date("2024-04-02")).map(\.description) == [
                "2024-03-25", "2024-03-26", "2024-03-27", "2024-03-28", "2024-04-01", "2024-04-02",
            ])
        #expect(calendar.sessions(from: date("2024-03-28"), to: date("2024-03-28")) == [date("2024-03-28")])
        #expect(calendar.sessions(from: date("2024-03-29"), to: date("2024-03-31")).isEmpty)
    }

    @Test("sessions(from:to:) clips to coverage and is empty for a reversed range")
    func sessionsClipped() {
        #expect(
            calendar.sessions(from: date("1999-12-01"), to: date("2000-01-05")).map(\.description) == [
                "2000-01-03", "2000-01-04", "2000-01-05",
            ])
        #expect(
            calendar.sessions(from: date("2030-12-30"), to: date("2031-01-31")).map(\.description) == [
                "2030-12-30", "2030-12-31",
            ])
        #expect(calendar.sessions(from: date("1990-01-01"), to: date("2040-01-01")) == calendar.allSessions)
        #expect(calendar.sessions(from: date("1990-01-01"), to: date("1999-12-31")).isEmpty)
        #expect(calendar.sessions(from: date("2024-04-02"), to: date("2024-03-25")).isEmpty)
        let extremes = calendar.sessions(from: SessionDate(dayNumber: .min), to: SessionDate(dayNumber: .max))
        #expect(extremes.count == calendar.allSessions.count)
    }

    @Test("next and previous session skip a holiday weekend")
    func nextAndPrevious() {
        // Good Friday 2024-03-29 plus the weekend: Thursday 03-28 to Monday 04-01.
        #expect(calendar.nextSession(after: date("2024-03-28")) == date("2024-04-01"))
        #expect(calendar.nextSession(after: date("2024-03-29")) == date("2024-04-01"))
        #expect(calendar.previousSession(before: date("2024-04-01")) == date("2024-03-28"))
        #expect(calendar.previousSession(before: date("2024-03-31")) == date("2024-03-28"))
        // Thanksgiving-adjacent: the Friday after is a session even though it closes early.
        #expect(calendar.nextSession(after: date("2024-11-27")) == date("2024-11-29"))
        // After the September 11 attacks the market stayed shut Tuesday through Friday and reopened on Monday.
        #expect(calendar.nextSession(after: date("2001-09-10")) == date("2001-09-17"))
        #expect(calendar.previousSession(before: date("2001-09-17")) == date("2001-09-10"))
    }

    @Test("session on or before/after")
    func onOrBefore() {
        #expect(calendar.sessionOnOrBefore(date("2024-03-28")) == date("2024-03-28"))
        #expect(calendar.sessionOnOrBefore(date("2024-03-31")) == date("2024-03-28"))
        #expect(calendar.sessionOnOrAfter(date("2024-03-29")) == date("2024-04-01"))
        #expect(calendar.sessionOnOrAfter(date("2024-04-01")) == date("2024-04-01"))
    }

    @Test("navigation refuses to answer from outside coverage")
    func navigationAtEdges() {
        #expect(calendar.nextSession(after: date("1999-12-31")) == date("2000-01-03"))
        #expect(calendar.nextSession(after: date("1999-12-30")) == nil)
        #expect(calendar.nextSession(after: date("2030-12-31")) == nil)
        #expect(calendar.previousSession(before: date("2031-01-01")) == date("2030-12-31"))
        #expect(calendar.previousSession(before: date("2031-01-02")) == nil)
        #expect(calendar.previousSession(before: date("2000-01-03")) == nil)
        #expect(calendar.sessionOnOrBefore(date("2000-01-02")) == nil)
        #expect(calendar.sessionOnOrBefore(date("2031-01-01")) == nil)
        #expect(calendar.sessionOnOrAfter(date("2030-12-31")) == date("2030-12-31"))
        #expect(calendar.sessionOnOrAfter(date("1999-12-31")) == nil)
        #expect(calendar.nextSession(after: SessionDate(dayNumber: .max)) == nil)
        #expect(calendar.previousSession(before: SessionDate(dayNumber: .min)) == nil)
    }

    @Test("isSession agrees with allSessions for every covered day")
    func bitsetMatchesList() {
        let sessions = Set(calendar.allSessions)
        let lower = NYSECalendar.coverage.lowerBound.dayNumber
        let upper = NYSECalendar.coverage.upperBound.dayNumber
        let mismatches = (lower...upper).filter { day in
            let date = SessionDate(dayNumber: day)
            return calendar.isSession(date) != sessions.contains(date)
        }
        #expect(mismatches.isEmpty)
        #expect(calendar.allSessions == calendar.allSessions.sorted())
    }

    @Test("holidays(in:) is empty outside coverage and never lists a weekend")
    func holidaysShape() {
        #expect(calendar.holidays(in: 1999).isEmpty)
        #expect(calendar.holidays(in: 2031).isEmpty)
        let all = (2000...2030).flatMap { calendar.holidays(in: $0) }
        #expect(all.allSatisfy { !$0.date.weekday.isWeekend && !calendar.isSession($0.date) })
        #expect(Set(all.map(\.date)).count == all.count)
    }
}
