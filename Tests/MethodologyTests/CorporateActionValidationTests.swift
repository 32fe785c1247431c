import Contracts
import Methodology
import Testing
import TradingCalendar

@Suite("Corporate action rules")
struct CorporateActionValidationTests {
    let calendar = NYSECalendar.standard

    func action(_ date: String, _ ticker: String, _ kind: String, _ value: Double?) -> CorporateAction {
        CorporateAction(date: day(date), ticker: ticker, kind: kind, value: value)
    }

    func reasons(_ actions: [CorporateAction]) -> [ActionRejectionReason?] {
        Validation.validate(actions: actions, calendar: calendar).map(\.rejection)
    }

    @Test("each rule rejects with its reason; valid actions are accepted")
    func eachRule() {
        let decided = reasons([
            action("2024-03-01", "AAA", "split", 2),
            action("2024-03-01", "BBB", "cash_dividend", 0.24),
            action("2024-03-01", "CCC", "special_dividend", 0),
            action("2024-03-01", "DDD", "spinoff", 1),
            action("2024-03-02", "EEE", "split", 2),  // a Saturday
            action("2024-03-01", "FFF", "split", nil),
            action("2024-03-01", "GGG", "split", 0),
            action("2024-03-01", "HHH", "split", -2),
            action("2024-03-01", "III", "split", .infinity),
            action("2024-03-01", "JJJ", "cash_dividend", -0.01),
            action("2024-03-01", "KKK", "special_dividend", .nan),
            action("2024-03-01", "LLL", "cash_dividend", nil),
            action("2024-03-01", "MMM", "split", 0.1),
        ])
        #expect(
            decided == [
                nil, nil, nil, .unknownKind, .notASession, .badValue, .badValue, .badValue, .badValue, .badValue,
                .badValue, .badValue, nil,
            ])
    }

    @Test("the rules apply in order: duplicate first, then unknown_kind, not_a_session, bad_value")
    func order() {
        // An unknown kind on a holiday with a bad value: unknown_kind comes first.
        #expect(reasons([action("2024-12-25", "AAA", "merger", -1)]) == [.unknownKind])
        // A known kind on a holiday with a bad value: not_a_session comes before bad_value.
        #expect(reasons([action("2024-12-25", "AAA", "split", -1)]) == [.notASession])
    }

    @Test("duplicate: same date, ticker and kind as an earlier action, whether or not the earlier one was valid")
    func duplicates() {
        let decided = reasons([
            action("2024-03-01", "AAA", "split", -1),  // bad_value, but it claims the key
            action("2024-03-01", "AAA", "split", 2),
            action("2024-03-01", "AAA", "cash_dividend", 0.5),  // another kind: not a duplicate
            action("2024-03-04", "AAA", "split", 2),  // another date
            action("2024-03-01", "aaa", "split", 2),  // another ticker (case matters)
            action("2024-03-01", "ZZZ", "bogus", 1),
            action("2024-03-01", "ZZZ", "bogus", 1),  // a duplicate of an unknown kind is a duplicate
        ])
        #expect(decided == [.badValue, .duplicate, nil, nil, nil, .unknownKind, .duplicate])
    }

    @Test("only accepted actions become AcceptedAction")
    func accepted() {
        let decided = Validation.validate(
            actions: [action("2024-03-01", "AAA", "split", 3), action("2024-03-01", "AAA", "split", 2)],
            calendar: calendar
        )
        #expect(
            decided.compactMap(AcceptedAction.init) == [
                AcceptedAction(date: day("2024-03-01"), ticker: "AAA", kind: .split, value: 3)
            ])
    }

    /// AAA's validation on `date` closing at `close`, after a close of 100 on the previous session.
    func jumpFlags(
        close: Double, on date: String = "2024-03-04", history: TickerHistory? = nil, batchSplits: [AcceptedAction] = []
    ) -> [PriceFlag] {
        var previous = TickerHistory()
        previous.record(date: day("2024-03-01"), rows: [valid("AAA", close: 100, cap: 1000)])
        let outcome = Validation.validate(
            rows: [price(date, "AAA", close: close, cap: close * 10)], calendar: calendar, history: history ?? previous,
            splits: batchSplits
        )
        return outcome.valid.first?.flags ?? []
    }

    func split(_ date: String, _ ratio: Double, _ ticker: String = "AAA") -> AcceptedAction {
        AcceptedAction(date: day(date), ticker: ticker, kind: .split, value: ratio)
    }

    @Test("price_jump: a split on the row's own date adjusts the previous close, so a split is not a jump")
    func splitSameDay() {
        #expect(jumpFlags(close: 50) == [])  // |50 / 100 - 1| = 0.5: not above the threshold
        #expect(jumpFlags(close: 49) == [.priceJump])
        // 2-for-1: 49 against 100 / 2 = 50 is a -2 % move.
        #expect(jumpFlags(close: 49, batchSplits: [split("2024-03-04", 2)]) == [])
        // 1-for-10 reverse: 1,000 against 100 / 0.1 = 1,000.
        #expect(jumpFlags(close: 1000, batchSplits: [split("2024-03-04", 0.1)]) == [])
        // Without the split 1,000 would be a jump; a split of another ticker does not count.
        #expect(jumpFlags(close: 1000, batchSplits: [split("2024-03-04", 0.1, "BBB")]) == [.priceJump])
        // A split adjusted for but then moved by more than 50 %: 20 against 50.
        #expect(jumpFlags(close: 20, batchSplits: [split("2024-03-04", 2)]) == [.priceJump])
    }

    @Test("price_jump: splits dated after the previous close, on days without a close, adjust it too")
    func splitInWindow() {
        // AAA closed at 100 on 2024-02-28, had no row on 2024-02-29 (a 3-for-1 split dated then) or 2024-03-01.
        var history = TickerHistory()
        history.record(date: day("2024-02-28"), rows: [valid("AAA", close: 100, cap: 1000)])
        history.record(
            date: day("2024-02-29"), rows: [valid("BBB", close: 1, cap: 1)], splits: [split("2024-02-29", 3)])
        history.record(date: day("2024-03-01"), rows: [valid("BBB", close: 1, cap: 1)])
        #expect(jumpFlags(close: 33, history: history) == [])
        // With a second split (2-for-1) in the batch itself: 100 / 6.
        #expect(jumpFlags(close: 17, history: history, batchSplits: [split("2024-03-04", 2)]) == [])
        #expect(jumpFlags(close: 33, history: history, batchSplits: [split("2024-03-04", 2)]) == [.priceJump])
        // A split dated before the previous close is already in it.
        var earlier = TickerHistory()
        earlier.record(
            date: day("2024-02-29"), rows: [valid("BBB", close: 1, cap: 1)], splits: [split("2024-02-29", 3)])
        earlier.record(date: day("2024-03-01"), rows: [valid("AAA", close: 100, cap: 1000)])
        #expect(jumpFlags(close: 33, history: earlier) == [.priceJump])
    }

    @Test("a replaced day's splits are replaced with it")
    func replacedSplits() {
        var history = TickerHistory()
        history.record(date: day("2024-02-29"), rows: [valid("AAA", close: 100, cap: 1000)])
        history.record(date: day("2024-03-01"), rows: [], splits: [split("2024-03-01", 2)])
        #expect(history.splitFactor("AAA", after: day("2024-02-29"), through: day("2024-03-04")) == 2)
        history.record(date: day("2024-03-01"), rows: [])  // the day again, without the split
        #expect(history.splitFactor("AAA", after: day("2024-02-29"), through: day("2024-03-04")) == 1)
        // Rebuilt from stored data: the same factor as recorded.
        let rebuilt = TickerHistory(
            closes: [HistoricalClose(date: day("2024-02-29"), ticker: "AAA", close: 100)],
            splits: [split("2024-03-01", 2), split("2024-03-04", 0.5), split("2024-02-29", 10)]
        )
        #expect(rebuilt.splitFactor("AAA", after: day("2024-02-29"), through: day("2024-03-04")) == 1)
        #expect(rebuilt.splitFactor("AAA", after: day("2024-02-29"), through: day("2024-03-01")) == 2)
        #expect(rebuilt.splitFactor("AAA", after: day("2024-02-28"), through: day("2024-03-01")) == 20)
    }
}
