import Contracts
import Methodology
import Testing
import TradingCalendar

@Suite("Validation flags")
struct ValidationFlagTests {
    let calendar = NYSECalendar.standard

    /// A history holding `closes` of ticker AAA on the sessions just before `date`, oldest first.
    func history(_ closes: [Double], before date: String) -> TickerHistory {
        var sessions: [SessionDate] = []
        var cursor = day(date)
        for _ in closes {
            cursor = calendar.previousSession(before: cursor)!
            sessions.insert(cursor, at: 0)
        }
        var history = TickerHistory()
        for (session, close) in zip(sessions, closes) {
            history.record(date: session, rows: [valid("AAA", close: close, cap: close * 10)])
        }
        return history
    }

    /// The flags of AAA closing at `close` on `date`.
    func flags(close: Double, on date: String = "2024-02-01", history: TickerHistory) -> [PriceFlag] {
        let outcome = Validation.validate(
            rows: [price(date, "AAA", close: close, cap: close * 10)], calendar: calendar, history: history
        )
        #expect(outcome.rejections.isEmpty)
        return outcome.valid.first?.flags ?? []
    }

    @Test("price_jump: strictly more than 50 % either way; exactly 50 % is not flagged")
    func priceJumpBoundary() {
        let previous = history([100], before: "2024-02-01")
        #expect(flags(close: 150, history: previous) == [])  // 150 / 100 - 1 = 0.5 exactly
        #expect(flags(close: 50, history: previous) == [])  // |50 / 100 - 1| = 0.5 exactly
        #expect(flags(close: 150.0.nextUp, history: previous) == [.priceJump])
        #expect(flags(close: 49.99, history: previous) == [.priceJump])
        #expect(flags(close: 400, history: previous) == [.priceJump])
    }

    @Test("price_jump compares with the most recent previous close only")
    func priceJumpUsesLatest() {
        #expect(flags(close: 210, history: history([100, 200], before: "2024-02-01")) == [])
        #expect(flags(close: 100, history: history([200, 100], before: "2024-02-01")) == [])
        #expect(flags(close: 100, history: history([100, 201], before: "2024-02-01")) == [.priceJump])
    }

    @Test("a ticker's first close has no flag")
    func firstClose() {
        #expect(flags(close: 100, history: TickerHistory()) == [])
        var others = TickerHistory()
        others.record(date: day("2024-01-31"), rows: [valid("BBB", close: 1, cap: 10)])
        #expect(flags(close: 100, history: others) == [])
    }

    @Test("stale: five previous closes equal to the close; four are not enough")
    func staleNeedsFive() {
        #expect(flags(close: 42, history: history([42, 42, 42, 42, 42], before: "2024-02-01")) == [.stale])
        #expect(flags(close: 42, history: history([42, 42, 42, 42], before: "2024-02-01")) == [])
        #expect(flags(close: 42, history: history([7, 42, 42, 42, 42, 42], before: "2024-02-01")) == [.stale])
        #expect(flags(close: 42, history: history([42, 42, 42, 42, 41], before: "2024-02-01")) == [])
        #expect(flags(close: 42, history: history([41, 42, 42, 42, 42], before: "2024-02-01")) == [])
        #expect(flags(close: 43, history: history([42, 42, 42, 42, 42], before: "2024-02-01")) == [])
    }

    @Test("only closes of the 30 sessions before the row's session count")
    func windowBound() throws {
        let date = day("2024-03-01")
        let window = try #require(TickerHistory.window(before: date, calendar: calendar))
        var inside = TickerHistory()
        inside.record(date: window.start, rows: [valid("AAA", close: 100, cap: 1_000)])
        #expect(flags(close: 300, on: "2024-03-01", history: inside) == [.priceJump])
        var outside = TickerHistory()
        outside.record(date: calendar.previousSession(before: window.start)!, rows: [valid("AAA", close: 100, cap: 1)])
        #expect(flags(close: 300, on: "2024-03-01", history: outside) == [])
    }

    @Test("a later session's closes never count: revalidating a recorded session compares with those before it")
    func replacementOfLatestSession() {
        var recorded = history([42, 42, 42, 42, 42], before: "2024-02-01")
        recorded.record(date: day("2024-02-01"), rows: [valid("AAA", close: 99, cap: 990)])
        // The replacement batch for 2024-02-01 still sees the five closes of 42 before it.
        #expect(flags(close: 42, on: "2024-02-01", history: recorded) == [.stale])
        #expect(flags(close: 99, on: "2024-01-31", history: recorded) == [.priceJump])
    }

    @Test("a history rebuilt from stored closes of the window gives the flags of one kept in memory")
    func rebuiltHistoryAgrees() throws {
        var memory = TickerHistory()
        var stored: [HistoricalClose] = []
        let sessions = calendar.sessions(from: day("2023-11-01"), to: day("2024-01-31"))
        for (offset, session) in sessions.enumerated() {
            let rows = [
                valid("AAA", close: 42, cap: 420),
                valid("BBB", close: Double(offset % 3 == 0 ? 10 : 16), cap: 100),
            ]
            memory.record(date: session, rows: rows)
            stored += rows.map { HistoricalClose(date: session, ticker: $0.ticker, close: $0.close) }
        }
        let next = day("2024-02-01")
        let window = try #require(TickerHistory.window(before: next, calendar: calendar))
        let rebuilt = TickerHistory(
            closes: stored.filter { window.start <= $0.date && $0.date <= window.end }.reversed())
        let batch = [price("2024-02-01", "AAA", close: 42, cap: 420), price("2024-02-01", "BBB", close: 30, cap: 300)]
        let fromMemory = Validation.validate(rows: batch, calendar: calendar, history: memory)
        let fromStorage = Validation.validate(rows: batch, calendar: calendar, history: rebuilt)
        #expect(fromMemory == fromStorage)
        #expect(fromMemory.valid.map(\.flags) == [[.stale], [.priceJump]])
    }
}
