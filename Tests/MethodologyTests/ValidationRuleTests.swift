import Contracts
import Methodology
import Testing
import TradingCalendar

@Suite("Validation rules")
struct ValidationRuleTests {
    let calendar = NYSECalendar.standard

    /// The one rejection reason of a single row validated alone with no history.
    func reason(_ row: PriceRow) -> RejectionReason? {
        let outcome = Validation.validate(rows: [row], calendar: calendar, history: TickerHistory())
        #expect(outcome.valid.count + outcome.rejections.count == 1)
        return outcome.rejections.first?.reason
    }

    @Test("a clean row is kept with its fields and given market cap")
    func cleanRow() {
        let row = price("2024-01-02", "AAA", open: 10, high: 12, low: 9, close: 11, volume: 500, cap: 1_100)
        let outcome = Validation.validate(rows: [row], calendar: calendar, history: TickerHistory())
        #expect(outcome.rejections.isEmpty)
        #expect(
            outcome.valid == [
                ValidRow(ticker: "AAA", open: 10, high: 12, low: 9, close: 11, volume: 500, marketCap: 1_100, flags: [])
            ]
        )
    }

    @Test("the market cap is derived as close * shares outstanding when none is given")
    func derivedMarketCap() {
        let row = price("2024-01-02", "AAA", close: 12.5, cap: nil, shares: 8)
        let outcome = Validation.validate(rows: [row], calendar: calendar, history: TickerHistory())
        #expect(outcome.valid.map(\.marketCap) == [100])
    }

    @Test("a given market cap counts even when invalid: shares outstanding do not rescue it")
    func givenMarketCapWins() {
        #expect(reason(price("2024-01-02", "AAA", close: 10, cap: 0, shares: 5)) == .badMarketCap)
        #expect(reason(price("2024-01-02", "AAA", close: 10, cap: .nan, shares: 5)) == .badMarketCap)
        // A valid given cap is kept even when shares outstanding disagree with it.
        let outcome = Validation.validate(
            rows: [price("2024-01-02", "AAA", close: 10, cap: 70, shares: 5)], calendar: calendar,
            history: TickerHistory()
        )
        #expect(outcome.valid.map(\.marketCap) == [70])
    }

    @Test("duplicate: the first row of a key is considered, every later one is rejected")
    func duplicates() {
        let rows = [
            price("2024-01-02", "AAA", close: nil, cap: 100),  // invalid, but it still claims the key
            price("2024-01-02", "BBB", close: 5, cap: 50),
            price("2024-01-02", "AAA", close: 10, cap: 100),  // valid, yet a duplicate
            price("2024-01-03", "AAA", close: 10, cap: 100),  // another date: another key
            price("2024-01-02", "AAA", close: 11, cap: 110),
        ]
        let outcome = Validation.validate(rows: rows, calendar: calendar, history: TickerHistory())
        #expect(outcome.valid.map(\.ticker) == ["BBB", "AAA"])
        #expect(outcome.valid.map(\.close) == [5, 10])
        #expect(outcome.rejections.map(\.reason) == [.badClose, .duplicate, .duplicate])
        #expect(outcome.rejections.map(\.position) == [0, 2, 4])
        #expect(outcome.rejections.map(\.row) == [rows[0], rows[2], rows[4]])
    }

    @Test(
        "not_a_session: weekends, holidays and dates outside the calendar",
        arguments: [
            "2024-01-06",  // Saturday
            "2024-01-15",  // Martin Luther King Jr. Day
            "2024-01-01",  // New Year's Day
            "1999-12-31",  // before coverage
            "2031-01-02",  // after coverage
        ])
    func notASession(text: String) {
        #expect(reason(price(text, "AAA", close: 10, cap: 100)) == .notASession)
    }

    @Test(
        "bad_close: missing, not finite, zero or negative", arguments: [nil, .nan, .infinity, -.infinity, 0, -0.0, -1])
    func badClose(close: Double?) {
        #expect(reason(price("2024-01-02", "AAA", close: close, cap: 100)) == .badClose)
    }

    @Test("bad_market_cap: missing, not finite, zero or negative, given or derived")
    func badMarketCap() {
        #expect(reason(price("2024-01-02", "AAA", close: 10, cap: nil)) == .badMarketCap)
        for cap in [Double.nan, .infinity, 0, -5] {
            #expect(reason(price("2024-01-02", "AAA", close: 10, cap: cap)) == .badMarketCap)
        }
        for shares in [Double.nan, .infinity, 0, -5, .greatestFiniteMagnitude] {
            // The last overflows: 10 * greatestFiniteMagnitude is infinite.
            #expect(reason(price("2024-01-02", "AAA", close: 10, cap: nil, shares: shares)) == .badMarketCap)
        }
    }

    @Test("high_below_low: both present and high < low; equal is fine")
    func highBelowLow() {
        #expect(reason(price("2024-01-02", "AAA", high: 9, low: 11, close: 10, cap: 100)) == .highBelowLow)
        #expect(reason(price("2024-01-02", "AAA", high: 10, low: 10, close: 10, cap: 100)) == nil)
    }

    @Test("price_outside_range: open or close outside [low, high] when both are present")
    func priceOutsideRange() {
        #expect(reason(price("2024-01-02", "AAA", high: 12, low: 9, close: 12.5, cap: 100)) == .priceOutsideRange)
        #expect(reason(price("2024-01-02", "AAA", high: 12, low: 9, close: 8.99, cap: 100)) == .priceOutsideRange)
        #expect(
            reason(price("2024-01-02", "AAA", open: 8, high: 12, low: 9, close: 10, cap: 100)) == .priceOutsideRange
        )
        // The ends are inside the range.
        #expect(reason(price("2024-01-02", "AAA", open: 9, high: 12, low: 9, close: 12, cap: 100)) == nil)
        // With only one of high and low there is no range to check.
        #expect(reason(price("2024-01-02", "AAA", open: 50, high: 12, close: 10, cap: 100)) == nil)
        #expect(reason(price("2024-01-02", "AAA", open: 1, low: 9, close: 10, cap: 100)) == nil)
    }

    @Test("a present open, high or low that is not finite is a price outside range")
    func nonFinitePrices() {
        for bad in [Double.nan, .infinity, -.infinity] {
            #expect(reason(price("2024-01-02", "AAA", high: bad, low: 9, close: 10, cap: 100)) == .priceOutsideRange)
            #expect(reason(price("2024-01-02", "AAA", high: 12, low: bad, close: 10, cap: 100)) == .priceOutsideRange)
            #expect(reason(price("2024-01-02", "AAA", open: bad, close: 10, cap: 100)) == .priceOutsideRange)
            // Even alone: a valid row never carries a non-finite number.
            #expect(reason(price("2024-01-02", "AAA", high: bad, close: 10, cap: 100)) == .priceOutsideRange)
            #expect(reason(price("2024-01-02", "AAA", low: bad, close: 10, cap: 100)) == .priceOutsideRange)
        }
    }

    @Test("negative_volume: present and negative or not finite; zero and absent are fine")
    func negativeVolume() {
        for volume in [Double(-1), -.infinity, .infinity, .nan] {
            #expect(reason(price("2024-01-02", "AAA", close: 10, volume: volume, cap: 100)) == .negativeVolume)
        }
        #expect(reason(price("2024-01-02", "AAA", close: 10, volume: 0, cap: 100)) == nil)
        #expect(reason(price("2024-01-02", "AAA", close: 10, volume: nil, cap: 100)) == nil)
    }

    @Test("a row breaking several rules gets the first one, in the documented order")
    func firstReasonWins() {
        // duplicate before not_a_session
        let rows = [price("2024-01-06", "AAA", close: 10, cap: 100), price("2024-01-06", "AAA", close: nil, cap: nil)]
        let outcome = Validation.validate(rows: rows, calendar: calendar, history: TickerHistory())
        #expect(outcome.rejections.map(\.reason) == [.notASession, .duplicate])
        // not_a_session before bad_close
        #expect(reason(price("2024-01-06", "AAA", close: nil, cap: 100)) == .notASession)
        // bad_close before bad_market_cap
        #expect(reason(price("2024-01-02", "AAA", close: -1, cap: -1)) == .badClose)
        // bad_market_cap before high_below_low
        #expect(reason(price("2024-01-02", "AAA", high: 1, low: 2, close: 10, cap: nil)) == .badMarketCap)
        // high_below_low before price_outside_range (the close is outside too)
        #expect(reason(price("2024-01-02", "AAA", high: 9, low: 11, close: 20, cap: 100)) == .highBelowLow)
        // price_outside_range before negative_volume
        #expect(
            reason(price("2024-01-02", "AAA", high: 9, low: 8, close: 20, volume: -1, cap: 100)) == .priceOutsideRange)
    }

    @Test("valid rows and rejections keep the batch's order and positions")
    func orderPreserved() {
        let rows = [
            price("2024-01-02", "CCC", close: 3, cap: 30),
            price("2024-01-02", "BAD", close: 0, cap: 30),
            price("2024-01-02", "AAA", close: 1, cap: 10),
            price("2024-01-02", "BBB", close: 2, cap: 20),
            price("2024-01-02", "NEG", close: 2, volume: -3, cap: 20),
        ]
        let outcome = Validation.validate(rows: rows, calendar: calendar, history: TickerHistory())
        #expect(outcome.valid.map(\.ticker) == ["CCC", "AAA", "BBB"])
        #expect(outcome.rejections.map(\.position) == [1, 4])
    }
}
