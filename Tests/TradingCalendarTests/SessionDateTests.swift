import Foundation
import Testing
import TradingCalendar

@Suite("SessionDate")
struct SessionDateTests {
    @Test(
        "strict parsing accepts well-formed dates",
        arguments: [
            ("2024-01-02", 2024, 1, 2),
            ("2000-02-29", 2000, 2, 29),
            ("1970-01-01", 1970, 1, 1),
            ("0001-01-01", 1, 1, 1),
            ("9999-12-31", 9999, 12, 31),
        ])
    func parsesValid(text: String, year: Int, month: Int, day: Int) throws {
        let date = try #require(SessionDate(text))
        #expect(date.year == year && date.month == month && date.day == day)
        #expect(date.description == text)
        #expect(SessionDate(text[...]) == date)
        #expect(SessionDate(utf8: Array(text.utf8)) == date)
        #expect(Array(text.utf8).withUnsafeBytes { SessionDate(utf8: $0) } == date)
    }

    @Test(
        "strict parsing rejects everything else",
        arguments: [
            "", "2024-1-02", "2024-01-2", "2024-01-02T00:00", " 2024-01-02", "2024-01-02 ", "2023-02-29",
            "2100-02-29", "2024-13-01", "2024-00-10", "2024-01-00", "2024-04-31", "2024/01/02", "20240102",
            "+024-01-02", "2024-0a-02", "２024-01-02", "2024-01-022",
        ])
    func rejectsInvalid(text: String) {
        #expect(SessionDate(text) == nil)
        #expect(SessionDate(utf8: Array(text.utf8)) == nil)
    }

    @Test("a byte collection without contiguous storage still parses")
    func parsesNonContiguous() {
        let bytes = "2024-03-29".utf8.lazy.map { $0 }
        #expect(SessionDate(utf8: bytes) == SessionDate(year: 2024, month: 3, day: 29))
        #expect(SessionDate(utf8: "2024-03-290".utf8.lazy.map { $0 }) == nil)
    }

    @Test("component init validates month lengths and leap years")
    func componentValidation() {
        #expect(SessionDate(year: 2000, month: 2, day: 29) != nil)  // divisible by 400: leap
        #expect(SessionDate(year: 2100, month: 2, day: 29) == nil)  // divisible by 100 only: not leap
        #expect(SessionDate(year: 2024, month: 2, day: 29) != nil)
        #expect(SessionDate(year: 2023, month: 2, day: 29) == nil)
        #expect(SessionDate(year: 2024, month: 2, day: 30) == nil)
        #expect(SessionDate(year: 2024, month: 13, day: 1) == nil)
        #expect(SessionDate(year: 2024, month: 0, day: 1) == nil)
        #expect(SessionDate(year: 2024, month: 6, day: 31) == nil)
        #expect(SessionDate(year: 2024, month: 1, day: 0) == nil)
    }

    @Test("known day numbers")
    func knownDayNumbers() {
        #expect(SessionDate(year: 1970, month: 1, day: 1)?.dayNumber == 0)
        #expect(SessionDate(year: 1969, month: 12, day: 31)?.dayNumber == -1)
        #expect(SessionDate(year: 2000, month: 1, day: 1)?.dayNumber == 10_957)
        #expect(SessionDate(year: 2000, month: 3, day: 1)?.dayNumber == 11_017)
        #expect(SessionDate(year: 2030, month: 12, day: 31)?.dayNumber == 22_279)
        #expect(SessionDate(dayNumber: 0).description == "1970-01-01")
    }

    /// Walks day by day with a naive calendar, so the Hinnant arithmetic is checked against a different method.
    @Test("day numbers match a naive day-by-day walk from 1600 to 2400")
    func naiveWalk() throws {
        var (year, month, day) = (1600, 1, 1)
        var dayNumber = try #require(SessionDate(year: 1600, month: 1, day: 1)).dayNumber
        var mismatches = 0
        while year < 2401 {
            let date = SessionDate(dayNumber: dayNumber)
            if date.year != year || date.month != month || date.day != day
                || SessionDate(year: year, month: month, day: day)?.dayNumber != dayNumber
            {
                mismatches += 1
            }
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            let length = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
            day += 1
            if day > length { (day, month) = (1, month + 1) }
            if month > 12 { (month, year) = (1, year + 1) }
            dayNumber += 1
        }
        #expect(mismatches == 0)
    }

    @Test("components round-trip across the whole Int32-friendly range, sampled")
    func sampledRoundTrip() {
        var failures: [Int32] = []
        for raw in stride(from: -3_000_000, through: 3_000_000, by: 997) {
            let date = SessionDate(dayNumber: Int32(raw))
            let (year, month, day) = date.civil
            if SessionDate(year: year, month: month, day: day) != date { failures.append(Int32(raw)) }
        }
        #expect(failures.isEmpty)
    }

    @Test("leap days through the algorithm: 2000 has Feb 29, 2100 does not")
    func leapDays() throws {
        let feb28of2000 = try #require(SessionDate("2000-02-28"))
        #expect(feb28of2000.adding(days: 1).description == "2000-02-29")
        #expect(feb28of2000.adding(days: 2).description == "2000-03-01")
        let feb28of2100 = try #require(SessionDate("2100-02-28"))
        #expect(feb28of2100.adding(days: 1).description == "2100-03-01")
        #expect(try #require(SessionDate("2024-12-31")).adding(days: -366).description == "2023-12-31")
    }

    @Test(
        "weekday of known dates",
        arguments: [
            ("1970-01-01", Weekday.thursday),
            ("1969-12-31", .wednesday),
            ("2000-01-01", .saturday),
            ("2001-09-11", .tuesday),
            ("2024-03-29", .friday),
            ("2025-01-09", .thursday),
            ("2030-12-31", .tuesday),
            ("1900-01-01", .monday),
            ("1600-03-01", .wednesday),
        ])
    func weekdays(text: String, weekday: Weekday) throws {
        #expect(try #require(SessionDate(text)).weekday == weekday)
    }

    @Test("comparison follows the day number")
    func ordering() throws {
        let early = try #require(SessionDate("2023-12-31"))
        let late = try #require(SessionDate("2024-01-01"))
        #expect(early < late)
        #expect([late, early].sorted() == [early, late])
    }

    @Test("description pads every field")
    func description() {
        #expect(SessionDate(year: 5, month: 3, day: 7)?.description == "0005-03-07")
        #expect(SessionDate(year: 2024, month: 10, day: 10)?.description == "2024-10-10")
    }

    @Test("Codable round-trips as a single string")
    func codableRoundTrip() throws {
        let dates = try ["2000-01-03", "2024-02-29", "2030-12-31"].map { try #require(SessionDate($0)) }
        let data = try JSONEncoder().encode(dates)
        #expect(String(decoding: data, as: UTF8.self) == #"["2000-01-03","2024-02-29","2030-12-31"]"#)
        #expect(try JSONDecoder().decode([SessionDate].self, from: data) == dates)
    }

    @Test("Codable rejects a malformed string with dataCorrupted")
    func codableRejects() {
        let data = Data(#"{"date":"2024-02-30"}"#.utf8)
        do {
            _ = try JSONDecoder().decode([String: SessionDate].self, from: data)
            Issue.record("decoding should have failed")
        } catch DecodingError.dataCorrupted(let context) {
            #expect(context.debugDescription.contains("YYYY-MM-DD"))
            #expect(context.debugDescription.contains("2024-02-30"))
            #expect(context.codingPath.last?.stringValue == "date")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("today is the local calendar date of the instant")
    func today() throws {
        // 2024-03-10 03:30 UTC is still March 9 in New York (UTC-5 before the DST switch later that day).
        let instant = Date(timeIntervalSince1970: 1_710_041_400)
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        let utc = try #require(TimeZone(identifier: "UTC"))
        #expect(SessionDate.today(in: newYork, now: instant).description == "2024-03-09")
        #expect(SessionDate.today(in: utc, now: instant).description == "2024-03-10")
        #expect(SessionDate(Date(timeIntervalSince1970: -1), in: utc).description == "1969-12-31")
    }
}
