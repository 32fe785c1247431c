import Contracts
import Methodology
import TestSupport
import Testing
import TradingCalendar

@Suite("TickerHistory")
struct TickerHistoryTests {
    let calendar = NYSECalendar.standard

    @Test("keeps the five most recent closes per ticker, most recent last, and the last session as asOf")
    func keepsRecentCloses() {
        var history = TickerHistory()
        #expect(history.asOf == nil)
        let sessions = calendar.sessions(from: day("2024-01-02"), to: day("2024-01-11"))
        for (offset, session) in sessions.enumerated() {
            history.record(date: session, rows: [valid("AAA", close: Double(offset + 1), cap: 10)])
        }
        #expect(sessions.count == 8)
        #expect(history.previousCloses("AAA") == [4, 5, 6, 7, 8])
        #expect(history.previousCloses("ZZZ") == [])
        #expect(history.asOf == day("2024-01-11"))
    }

    @Test("a session recorded again is replaced as a whole")
    func replacesSession() {
        var history = TickerHistory()
        history.record(
            date: day("2024-01-02"), rows: [valid("AAA", close: 1, cap: 10), valid("BBB", close: 2, cap: 20)])
        history.record(
            date: day("2024-01-03"), rows: [valid("AAA", close: 3, cap: 10), valid("BBB", close: 4, cap: 20)])
        history.record(date: day("2024-01-03"), rows: [valid("AAA", close: 5, cap: 10)])
        #expect(history.previousCloses("AAA") == [1, 5])
        #expect(history.previousCloses("BBB") == [2])
        #expect(history.asOf == day("2024-01-03"))
    }

    @Test("a history rebuilt from stored closes in any order equals one recorded session by session")
    func rebuiltEqualsRecorded() {
        var recorded = TickerHistory()
        var closes: [HistoricalClose] = []
        for (offset, session) in calendar.sessions(from: day("2024-01-02"), to: day("2024-01-12")).enumerated() {
            let rows = [valid("AAA", close: Double(offset), cap: 1), valid("BBB", close: Double(100 - offset), cap: 1)]
            recorded.record(date: session, rows: rows)
            closes += rows.map { HistoricalClose(date: session, ticker: $0.ticker, close: $0.close) }
        }
        var generator = SeededGenerator(seed: 7)
        #expect(TickerHistory(closes: closes.shuffled(using: &generator)) == recorded)
        #expect(TickerHistory(closes: []) == TickerHistory())
    }

    @Test("the window is the 30 sessions before the date, skipping weekends and holidays")
    func window() throws {
        let window = try #require(TickerHistory.window(before: day("2024-02-20"), calendar: calendar))
        // 2024-02-19 is Presidents' Day; 30 sessions back from 2024-02-16, with MLK Day (2024-01-15) closed, is
        // 2024-01-05.
        #expect(window.end == day("2024-02-16"))
        #expect(window.start == day("2024-01-05"))
        #expect(calendar.sessions(from: window.start, to: window.end).count == TickerHistory.windowSessions)
    }

    @Test("the window is clipped at the start of the calendar and absent before its first session")
    func windowAtCoverageStart() throws {
        #expect(TickerHistory.window(before: day("2000-01-03"), calendar: calendar) == nil)
        let window = try #require(TickerHistory.window(before: day("2000-01-06"), calendar: calendar))
        #expect(window.start == day("2000-01-03"))
        #expect(window.end == day("2000-01-05"))
    }
}
