/// The NYSE closure rules, evaluated one year at a time; `NYSECalendar` caches the results.
enum NYSEHolidayRules {
    /// Full-day closures that no rule predicts; each was announced at the time of the event.
    static let unscheduledClosures: [Holiday] = [
        unscheduled(2001, 9, 11, "September 11 attacks"),
        unscheduled(2001, 9, 12, "September 11 attacks"),
        unscheduled(2001, 9, 13, "September 11 attacks"),
        unscheduled(2001, 9, 14, "September 11 attacks"),
        unscheduled(2004, 6, 11, "National Day of Mourning (Reagan)"),
        unscheduled(2007, 1, 2, "National Day of Mourning (Ford)"),
        unscheduled(2012, 10, 29, "Hurricane Sandy"),
        unscheduled(2012, 10, 30, "Hurricane Sandy"),
        unscheduled(2018, 12, 5, "National Day of Mourning (G. H. W. Bush)"),
        unscheduled(2025, 1, 9, "National Day of Mourning (Carter)"),
    ]

    /// Builds an unscheduled closure from date literals known to be valid.
    private static func unscheduled(_ year: Int, _ month: Int, _ day: Int, _ name: String) -> Holiday {
        Holiday(date: SessionDate(checkedYear: year, month: month, day: day), name: name)
    }

    /// Every weekday closure in `year`, sorted by date.
    static func closures(in year: Int) -> [Holiday] {
        var result: [Holiday] = []
        // NYSE Rule 7.2 moves Saturday holidays to Friday unless that Friday ends an accounting period; for a
        // Saturday New Year's Day it always does, so the preceding Friday Dec 31 stays open (2004, 2010, 2021).
        let newYear = SessionDate(checkedYear: year, month: 1, day: 1)
        switch newYear.weekday {
        case .saturday: break
        case .sunday: result.append(Holiday(date: newYear.adding(days: 1), name: "New Year's Day (observed)"))
        default: result.append(Holiday(date: newYear, name: "New Year's Day"))
        }
        result.append(Holiday(date: nthWeekday(3, .monday, year: year, month: 1), name: "Martin Luther King Jr. Day"))
        result.append(Holiday(date: nthWeekday(3, .monday, year: year, month: 2), name: "Washington's Birthday"))
        result.append(Holiday(date: easterSunday(year: year).adding(days: -2), name: "Good Friday"))
        result.append(Holiday(date: lastWeekday(.monday, year: year, month: 5), name: "Memorial Day"))
        if year >= 2022 {
            // Juneteenth became a federal holiday in 2021, after that year's June date; NYSE adopted it from 2022.
            result.append(observed(SessionDate(checkedYear: year, month: 6, day: 19), name: "Juneteenth"))
        }
        result.append(observed(SessionDate(checkedYear: year, month: 7, day: 4), name: "Independence Day"))
        result.append(Holiday(date: nthWeekday(1, .monday, year: year, month: 9), name: "Labor Day"))
        result.append(Holiday(date: nthWeekday(4, .thursday, year: year, month: 11), name: "Thanksgiving Day"))
        result.append(observed(SessionDate(checkedYear: year, month: 12, day: 25), name: "Christmas Day"))
        result += unscheduledClosures.filter { $0.date.year == year }
        result.sort { $0.date < $1.date }
        return result
    }

    /// Applies the usual weekend shift: Saturday to the preceding Friday, Sunday to the following Monday.
    static func observed(_ date: SessionDate, name: String) -> Holiday {
        switch date.weekday {
        case .saturday: Holiday(date: date.adding(days: -1), name: name + " (observed)")
        case .sunday: Holiday(date: date.adding(days: 1), name: name + " (observed)")
        default: Holiday(date: date, name: name)
        }
    }

    /// The `n`th (1-based) `weekday` of the month.
    static func nthWeekday(_ n: Int, _ weekday: Weekday, year: Int, month: Int) -> SessionDate {
        let first = SessionDate(checkedYear: year, month: month, day: 1)
        let offset = (weekday.rawValue - first.weekday.rawValue + 7) % 7
        return first.adding(days: offset + 7 * (n - 1))
    }

    /// The last `weekday` of the month.
    static func lastWeekday(_ weekday: Weekday, year: Int, month: Int) -> SessionDate {
        let last = SessionDate(
            checkedYear: year, month: month, day: SessionDate.daysInMonth(year: year, month: month)
        )
        let offset = (last.weekday.rawValue - weekday.rawValue + 7) % 7
        return last.adding(days: -offset)
    }

    /// Western (Gregorian) Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
    static func easterSunday(year: Int) -> SessionDate {
        let a = year % 19
        let b = year / 100
        let c = year % 100
        let d = b / 4
        let e = b % 4
        let f = (b + 8) / 25
        let g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4
        let k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return SessionDate(checkedYear: year, month: month, day: day)
    }
}
