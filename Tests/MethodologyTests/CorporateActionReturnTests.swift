import Contracts
import Methodology
import Testing
import TradingCalendar

@Suite("Returns with corporate actions")
struct CorporateActionReturnTests {
    let price = IndexCalculator(index: "ew2", size: 2, returnKind: .price)
    let total = IndexCalculator(index: "ew2-tr", size: 2, returnKind: .total)

    func action(_ date: String, _ ticker: String, _ kind: CorporateActionKind, _ value: Double) -> AcceptedAction {
        AcceptedAction(date: day(date), ticker: ticker, kind: kind, value: value)
    }

    /// The base on 2024-01-02 (A 100, B 50), then 2024-01-05 with `a` and `b` and `actions`.
    func returns(
        _ calculator: IndexCalculator, a: Double, b: Double, actions: [AcceptedAction]
    ) -> Double {
        let base = calculator.compute(
            date: day("2024-01-02"), rows: [valid("A", close: 100, cap: 1000), valid("B", close: 50, cap: 500)],
            previous: nil, sourceBatchID: "b1"
        )
        let next = calculator.compute(
            date: day("2024-01-05"), rows: [valid("A", close: a, cap: 1000), valid("B", close: b, cap: 500)],
            previous: base, actions: actions, sourceBatchID: "b2"
        )
        return next.dailyReturn
    }

    @Test("without actions both return kinds give close / previous close - 1, bit for bit")
    func noActions() {
        let a: Double = 103.0 / 100 - 1
        let b: Double = 49.0 / 50 - 1
        let expected = (a + b) / 2
        #expect(returns(price, a: 103, b: 49, actions: []) == expected)
        #expect(returns(total, a: 103, b: 49, actions: []) == expected)
    }

    @Test("a 2-for-1 split and a 1-for-10 reverse split are no return")
    func splits() {
        let actions = [action("2024-01-05", "A", .split, 2), action("2024-01-05", "B", .split, 0.1)]
        #expect(returns(price, a: 50, b: 500, actions: actions) == 0)
        #expect(returns(total, a: 50, b: 500, actions: actions) == 0)
        // A move on the new basis: A 2-for-1 at 51 is +2 %.
        let moved = returns(price, a: 51, b: 500, actions: actions)
        let movedA: Double = 51.0 * 2 / 100 - 1
        let flatB: Double = 500.0 * 0.1 / 50 - 1
        #expect(moved == (movedA + flatB) / 2)
    }

    @Test("cash dividends count for total return only; special dividends for both")
    func dividends() {
        let cash = [action("2024-01-05", "A", .cashDividend, 1)]
        let priceDrop: Double = 99.0 / 100 - 1
        let totalFlat: Double = (99.0 + 1) / 100 - 1
        #expect(returns(price, a: 99, b: 50, actions: cash) == (priceDrop + 0) / 2)  // -0.5 %
        #expect(returns(total, a: 99, b: 50, actions: cash) == (totalFlat + 0) / 2)  // 0
        let special = [action("2024-01-05", "B", .specialDividend, 5)]
        let withSpecial: Double = (45.0 + 5) / 50 - 1
        #expect(returns(price, a: 100, b: 45, actions: special) == (0 + withSpecial) / 2)  // 0
        #expect(returns(total, a: 100, b: 45, actions: special) == (0 + withSpecial) / 2)
    }

    @Test("actions on sessions between p and d: a dividend is per share of its own date, after that date's splits")
    func dividendBasis() {
        // A: cash 1 on 01-03 (old basis: 1 per held share), then on 01-04 a 2-for-1 split with a special dividend of
        // 0.5 per new share (1 per held share); A closes at 52 on 01-05.
        let actions = [
            action("2024-01-04", "A", .specialDividend, 0.5), action("2024-01-04", "A", .split, 2),
            action("2024-01-03", "A", .cashDividend, 1),
        ]
        // By hand: price (52 * 2 + 0.5 * 2) / 100 - 1 = +5 %; total (104 + 1 + 1) / 100 - 1 = +6 %.
        let priceA: Double = (52.0 * 2 + 0.5 * 2) / 100 - 1
        let totalA: Double = (52.0 * 2 + 1 + 0.5 * 2) / 100 - 1
        #expect(returns(price, a: 52, b: 50, actions: actions) == (priceA + 0) / 2)
        #expect(returns(total, a: 52, b: 50, actions: actions) == (totalA + 0) / 2)
        #expect(abs(returns(price, a: 52, b: 50, actions: actions) - 0.025) < 1e-15)
        #expect(abs(returns(total, a: 52, b: 50, actions: actions) - 0.03) < 1e-15)
    }

    @Test("actions outside (p, d], and of stocks not held at p, are ignored")
    func ignored() {
        let actions = [
            action("2024-01-02", "A", .split, 2),  // dated p: already in p's close
            action("2024-01-08", "A", .split, 2),  // after d
            action("2024-01-05", "C", .split, 2),  // not held
        ]
        #expect(returns(price, a: 100, b: 50, actions: actions) == 0)
    }

    @Test("a member without a close on d earns 0 whatever its actions")
    func carried() {
        let base = price.compute(
            date: day("2024-01-02"), rows: [valid("A", close: 100, cap: 1000), valid("B", close: 50, cap: 500)],
            previous: nil, sourceBatchID: "b1"
        )
        let next = price.compute(
            date: day("2024-01-03"), rows: [valid("B", close: 55, cap: 500)], previous: base,
            actions: [action("2024-01-03", "A", .split, 2), action("2024-01-03", "A", .specialDividend, 9)],
            sourceBatchID: "b2"
        )
        let b: Double = 55.0 / 50 - 1
        #expect(next.dailyReturn == (0 + b) / 2)
    }

    @Test("the adjustment applies splits before dividends of the same date, in date order")
    func adjustmentOrder() {
        let adjustments = ActionAdjustment.byTicker(
            [
                action("2024-01-04", "A", .cashDividend, 1), action("2024-01-04", "A", .split, 3),
                action("2024-01-03", "A", .split, 0.5), action("2024-01-03", "A", .specialDividend, 2),
            ],
            returnKind: .total
        )
        // 01-03: split 0.5 (F = 0.5), special 2 * 0.5 = 1; 01-04: split 3 (F = 1.5), cash 1 * 1.5 = 1.5.
        #expect(adjustments["A"]?.splitFactor == 1.5)
        #expect(adjustments["A"]?.dividends == 2.5)
        #expect(ActionAdjustment.byTicker([action("2024-01-04", "A", .cashDividend, 1)], returnKind: .price).isEmpty)
    }
}
