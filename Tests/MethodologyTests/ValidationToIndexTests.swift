import Contracts
import Methodology
import Testing
import TradingCalendar

@Suite("From raw rows to the index")
struct ValidationToIndexTests {
    let calendar = NYSECalendar.standard
    let calculator = IndexCalculator(index: "ew2", size: 2)

    /// Validates a batch with `history`, records it, and computes the session on `previous`.
    func session(
        _ date: String, _ rows: [PriceRow], history: inout TickerHistory, previous: IndexResult?
    ) -> (outcome: ValidationOutcome, result: IndexResult) {
        let outcome = Validation.validate(rows: rows, calendar: calendar, history: history)
        history.record(date: day(date), rows: outcome.valid)
        let result = calculator.compute(date: day(date), rows: outcome.valid, previous: previous, sourceBatchID: date)
        return (outcome, result)
    }

    @Test("a rejected row counts neither in the ranking nor in the return")
    func rejectedRowExcluded() {
        var history = TickerHistory()
        let first = session(
            "2024-01-02",
            [
                price("2024-01-02", "A", close: 100, cap: 300), price("2024-01-02", "B", close: 50, cap: 200),
                price("2024-01-02", "C", close: 20, cap: 100),
            ],
            history: &history, previous: nil
        )
        // B's close is not a number: without the rule B (cap 900) would rank first and its return would count.
        let second = session(
            "2024-01-03",
            [
                price("2024-01-03", "A", close: 150, cap: 450), price("2024-01-03", "B", close: .nan, cap: 900),
                price("2024-01-03", "C", close: 30, cap: 150),
            ],
            history: &history, previous: first.result
        )
        #expect(second.outcome.rejections.map(\.reason) == [.badClose])
        // R = ((150/100 - 1) + 0) / 2 = 0.25: B earns 0 and departs without a rank; C enters.
        #expect(second.result.dailyReturn == 0.25)
        #expect(second.result.level == 1250)
        #expect(second.result.constituents.map(\.ticker) == ["A", "C"])
        #expect(second.result.departures == [CompositionChange(ticker: "B", rank: nil, marketCap: nil)])
    }

    @Test("a row dated on a holiday is rejected and never reaches the index")
    func holidayRowRejected() {
        var history = TickerHistory()
        let result = session(
            "2024-01-16",
            [
                price("2024-01-15", "A", close: 10, cap: 1_000), price("2024-01-16", "B", close: 10, cap: 100),
                price("2024-01-16", "C", close: 10, cap: 50),
            ],
            history: &history, previous: nil
        )
        #expect(result.outcome.rejections.map(\.reason) == [.notASession])
        #expect(result.result.constituents.map(\.ticker) == ["B", "C"])
    }

    @Test("a duplicate key: the first row is kept even when invalid, so a valid later copy cannot sneak in")
    func duplicateFirstKept() {
        var history = TickerHistory()
        let result = session(
            "2024-01-02",
            [
                price("2024-01-02", "A", close: 0, cap: 1_000), price("2024-01-02", "B", close: 10, cap: 100),
                price("2024-01-02", "A", close: 10, cap: 1_000), price("2024-01-02", "C", close: 10, cap: 50),
            ],
            history: &history, previous: nil
        )
        #expect(result.outcome.rejections.map(\.reason) == [.badClose, .duplicate])
        #expect(result.result.constituents.map(\.ticker) == ["B", "C"])
    }

    @Test("flags are kept on valid rows and do not change the index")
    func flagsKept() {
        var history = TickerHistory()
        let first = session(
            "2024-01-02",
            [price("2024-01-02", "A", close: 100, cap: 300), price("2024-01-02", "B", close: 50, cap: 200)],
            history: &history, previous: nil
        )
        let second = session(
            "2024-01-03",
            [price("2024-01-03", "A", close: 300, cap: 900), price("2024-01-03", "B", close: 50, cap: 200)],
            history: &history, previous: first.result
        )
        #expect(second.outcome.valid.map(\.flags) == [[.priceJump], []])
        // R = ((300/100 - 1) + (50/50 - 1)) / 2 = 1.
        #expect(second.result.dailyReturn == 1)
        #expect(second.result.level == 2000)
    }
}
