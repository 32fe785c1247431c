import Contracts
import Foundation
import Methodology
import TestSupport
import Testing
import TradingCalendar

@Suite("IndexCalculator")
struct IndexCalculatorTests {
    let calculator = IndexCalculator(index: "ew2", size: 2)

    // MARK: Ranking and selection

    @Test("ranks by market cap descending, ties by ticker in UTF-8 byte order")
    func rankingTies() {
        let rows = [
            valid("X", close: 1, cap: 100), valid("AB", close: 1, cap: 100), valid("a", close: 1, cap: 100),
            valid("Z", close: 1, cap: 200), valid("A", close: 1, cap: 100), valid("B", close: 1, cap: 50),
        ]
        let ranked = calculator.rank(rows)
        // "A" < "AB" (prefix) < "X" < "a" (0x58 < 0x61).
        #expect(ranked.map(\.row.ticker) == ["Z", "A", "AB", "X", "a", "B"])
        #expect(ranked.map(\.rank) == [1, 2, 3, 4, 5, 6])
    }

    @Test("rows in ticker order rank as the reference order: ties, extreme and unusable market caps, every seed")
    func rankingInTickerOrder() {
        let caps: [Double] = [
            100, 100, 250.5, 1e12, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1e-300, 7, 7, 3e9, 0, -5, .nan,
            .infinity, -.infinity,
        ]
        for seed in 1...20 {
            var generator = SeededGenerator(seed: UInt64(seed))
            // Tickers ascending in byte order, as storage reads them, so the ranking takes its integer-key path.
            // Caps from the list (ties, extremes) for even seeds; for odd ones, half of them any of 1...1e13, whose
            // bits differ in every byte.
            let rows = (0..<600).map { index in
                valid(
                    String(format: "T%04d", index), close: Bool.random(using: &generator) ? 1 : .nan,
                    cap: seed % 2 == 1 && Bool.random(using: &generator)
                        ? Double.random(in: 1...1e13, using: &generator) : caps.randomElement(using: &generator)!)
            }
            #expect(IndexCalculator.tickersAscending(rows))
            let expected = rows.filter {
                $0.close.isFinite && $0.close > 0 && $0.marketCap.isFinite && $0.marketCap > 0
            }
            .sorted(by: IndexCalculator.ranksBefore)
            #expect(calculator.rank(rows).map(\.row) == expected, "seed \(seed)")
            // The same rows out of ticker order take the comparison path and give the same ranking.
            #expect(calculator.rank(rows.shuffled(using: &generator)).map(\.row) == expected, "seed \(seed), shuffled")
        }
    }

    @Test("rows with an unusable number or a repeated ticker are left out of the ranking")
    func rankingDefends() {
        let rows = [
            valid("A", close: 1, cap: 100), valid("A", close: 2, cap: 900), valid("N", close: .nan, cap: 300),
            valid("Z", close: 1, cap: 0), valid("B", close: 1, cap: 50),
        ]
        let ranked = calculator.rank(rows)
        #expect(ranked.map(\.row.ticker) == ["A", "B"])
        #expect(ranked.first?.row.close == 1)
    }

    @Test("selects the first N and weights them 1/N; fewer valid rows give a smaller index")
    func selectionAndWeights() {
        let three = IndexCalculator(index: "ew3", size: 3)
        let full = three.compute(
            date: day("2024-01-02"),
            rows: [
                valid("A", close: 1, cap: 10), valid("B", close: 1, cap: 40), valid("C", close: 1, cap: 30),
                valid("D", close: 1, cap: 20),
            ],
            previous: nil, sourceBatchID: "b1"
        )
        #expect(full.constituents.map(\.ticker) == ["B", "C", "D"])
        #expect(full.constituents.map(\.rank) == [1, 2, 3])
        let third: Double = 1.0 / 3
        #expect(full.constituents.map(\.weight) == [third, third, third])
        let short = three.compute(
            date: day("2024-01-02"), rows: [valid("A", close: 1, cap: 10), valid("B", close: 1, cap: 40)],
            previous: nil, sourceBatchID: "b1"
        )
        #expect(short.constituents.map(\.ticker) == ["B", "A"])
        #expect(short.constituents.map(\.weight) == [0.5, 0.5])
    }

    // MARK: Levels and returns

    /// Four sessions of A, B, C, D with N = 2; every ratio is a power-of-two fraction, so the expected numbers are
    /// exact.
    let sessions: [(date: String, rows: [ValidRow])] = [
        // Base: ranks A 300, B 200, C 100 -> C = {A, B}.
        (
            "2024-01-02",
            [valid("A", close: 100, cap: 300), valid("B", close: 50, cap: 200), valid("C", close: 20, cap: 100)]
        ),
        // R = ((125/100 - 1) + (25/50 - 1)) / 2 = (0.25 - 0.5) / 2 = -0.125; L = 1000 * 0.875 = 875.
        // Ranks A 375, C 200, B 100 -> C = {A, C}: B leaves (rank 3), C enters (rank 2).
        (
            "2024-01-03",
            [valid("A", close: 125, cap: 375), valid("B", close: 25, cap: 100), valid("C", close: 40, cap: 200)]
        ),
        // C has no row (r = 0, its price carried): R = ((187.5/125 - 1) + 0) / 2 = 0.25; L = 875 * 1.25 = 1093.75.
        // D lists with the largest cap: ranks D 1000, A 562.5, B 200 -> C = {D, A}: C leaves with no rank.
        (
            "2024-01-04",
            [valid("A", close: 187.5, cap: 562.5), valid("B", close: 50, cap: 200), valid("D", close: 10, cap: 1_000)]
        ),
        // A is delisted (no row): R = ((12.5/10 - 1) + 0) / 2 = 0.125; L = 1093.75 * 1.125 = 1230.46875.
        // Ranks D 1250, B 200, C 150 -> C = {D, B}: A leaves with no rank, B enters.
        (
            "2024-01-05",
            [valid("D", close: 12.5, cap: 1_250), valid("B", close: 50, cap: 200), valid("C", close: 40, cap: 150)]
        ),
    ]

    /// The results of `sessions`, each computed on the previous one.
    func chain() -> [IndexResult] {
        var results: [IndexResult] = []
        for (date, rows) in sessions {
            results.append(
                calculator.compute(date: day(date), rows: rows, previous: results.last, sourceBatchID: "batch-\(date)")
            )
        }
        return results
    }

    @Test("the base session: level 1000, return 0, no previous session, no departures")
    func baseSession() throws {
        let base = try #require(chain().first)
        #expect(base.index == "ew2")
        #expect(base.date == day("2024-01-02"))
        #expect(base.previousDate == nil)
        #expect(base.level == 1000)
        #expect(base.dailyReturn == 0)
        #expect(base.previousTickers == [])
        #expect(base.departures == [])
        #expect(base.sourceBatchID == "batch-2024-01-02")
        #expect(
            base.constituents == [
                Constituent(ticker: "A", rank: 1, weight: 0.5, marketCap: 300, close: 100),
                Constituent(ticker: "B", rank: 2, weight: 0.5, marketCap: 200, close: 50),
            ]
        )
    }

    @Test("levels and returns over four sessions, with the arithmetic by hand")
    func levelsAndReturns() {
        let results = chain()
        #expect(results.map(\.dailyReturn) == [0, -0.125, 0.25, 0.125])
        #expect(results.map(\.level) == [1000, 875, 1093.75, 1230.46875])
        #expect(results.map(\.previousDate) == [nil, day("2024-01-02"), day("2024-01-03"), day("2024-01-04")])
        #expect(results.map(\.previousTickers) == [[], ["A", "B"], ["A", "C"], ["D", "A"]])
        // Cumulative over the range: L(last) / L(first) - 1 = 1230.46875 / 1000 - 1.
        #expect(results[3].level / results[0].level - 1 == 0.23046875)
    }

    @Test("a constituent without a row earns 0, leaves at that close, and departs with no rank")
    func missingConstituent() {
        let third = chain()[2]
        #expect(third.constituents.map(\.ticker) == ["D", "A"])
        #expect(third.departures == [CompositionChange(ticker: "C", rank: nil, marketCap: nil)])
    }

    @Test("a constituent that falls out of the top N departs with its rank and market cap at the session")
    func rankedDeparture() {
        #expect(chain()[1].departures == [CompositionChange(ticker: "B", rank: 3, marketCap: 100)])
    }

    @Test("a listing enters when large enough and a delisting leaves with no rank")
    func listingAndDelisting() {
        let results = chain()
        #expect(
            results[2].constituents.first == Constituent(ticker: "D", rank: 1, weight: 0.5, marketCap: 1_000, close: 10)
        )
        #expect(results[3].departures == [CompositionChange(ticker: "A", rank: nil, marketCap: nil)])
        #expect(results[3].constituents.map(\.ticker) == ["D", "B"])
    }

    @Test("returns follow C(p) rank order, so the order of the input rows never changes a bit")
    func inputOrderIrrelevant() {
        var generator = SeededGenerator(seed: 3)
        let previous = calculator.compute(
            date: day("2024-01-02"), rows: [valid("A", close: 3, cap: 30), valid("B", close: 7, cap: 20)],
            previous: nil, sourceBatchID: "b"
        )
        let rows = [
            valid("A", close: 3.1, cap: 31), valid("B", close: 6.9, cap: 19.7), valid("C", close: 1.3, cap: 1),
            valid("D", close: 2.2, cap: 2),
        ]
        let expected = calculator.compute(date: day("2024-01-03"), rows: rows, previous: previous, sourceBatchID: "c")
        // R summed in C(p) rank order (A then B), then divided by |C(p)|.
        #expect(expected.dailyReturn == ((3.1 / 3 - 1) + (6.9 / 7 - 1)) / 2)
        #expect(expected.level == 1000 * (1 + ((3.1 / 3 - 1) + (6.9 / 7 - 1)) / 2))
        for _ in 0..<20 {
            let shuffled = calculator.compute(
                date: day("2024-01-03"), rows: rows.shuffled(using: &generator), previous: previous,
                sourceBatchID: "c"
            )
            #expect(bits(shuffled) == bits(expected))
        }
    }

    @Test("a session without usable rows gives a retraction")
    func retraction() {
        let result = calculator.compute(date: day("2024-01-03"), rows: [], previous: chain()[0], sourceBatchID: "empty")
        #expect(result.isRetraction)
        #expect(result.level == 0)
        #expect(result.dailyReturn == 0)
        #expect(result.previousDate == nil)
        #expect(result.departures == [])
        #expect(result.sourceBatchID == "empty")
        #expect(calculator.compositionEvent(for: result) == nil)
    }

    @Test("the default index: 100 of 150 stocks at weight 1/100, one swap, exact return")
    func defaultSize() throws {
        let calculator = IndexCalculator()
        #expect(calculator.index == "ew100")
        #expect(calculator.size == 100)
        // T000...T149 with market cap 1000 + i: the top 100 are T149 down to T050.
        let first = (0..<150).map { valid(ticker($0), close: 8, cap: Double(1_000 + $0)) }
        let base = calculator.compute(date: day("2024-01-02"), rows: first, previous: nil, sourceBatchID: "b1")
        #expect(base.constituents.count == 100)
        #expect(base.constituents.first?.ticker == "T149")
        #expect(base.constituents.last?.ticker == "T050")
        #expect(base.constituents.allSatisfy { $0.weight == 0.01 })
        // Every close goes 8 -> 10 (r = 0.25): R = 100 * 0.25 / 100 = 0.25, L = 1250. T049 jumps to the top.
        var second = (0..<150).map { valid(ticker($0), close: 10, cap: Double(1_000 + $0)) }
        second[49].marketCap = 5_000
        let next = calculator.compute(date: day("2024-01-03"), rows: second, previous: base, sourceBatchID: "b2")
        #expect(next.dailyReturn == 0.25)
        #expect(next.level == 1250)
        #expect(next.constituents.first?.ticker == "T049")
        #expect(next.departures == [CompositionChange(ticker: "T050", rank: 101, marketCap: 1_050)])
        let event = try #require(calculator.compositionEvent(for: next))
        #expect(event.added == [CompositionChange(ticker: "T049", rank: 1, marketCap: 5_000)])
        #expect(event.removed == next.departures)
    }

    /// T000...T149.
    func ticker(_ number: Int) -> String {
        "T" + String(repeating: "0", count: 3 - String(number).count) + String(number)
    }

    // MARK: Composition events

    @Test("no composition event for the base session")
    func noEventForBase() {
        #expect(calculator.compositionEvent(for: chain()[0]) == nil)
    }

    @Test("composition events list added and removed with rank and market cap at the session")
    func compositionEvents() throws {
        let results = chain()
        let second = try #require(calculator.compositionEvent(for: results[1]))
        #expect(second.index == "ew2")
        #expect(second.date == day("2024-01-03"))
        #expect(second.previousDate == day("2024-01-02"))
        #expect(second.added == [CompositionChange(ticker: "C", rank: 2, marketCap: 200)])
        #expect(second.removed == [CompositionChange(ticker: "B", rank: 3, marketCap: 100)])
        let third = try #require(calculator.compositionEvent(for: results[2]))
        #expect(third.added == [CompositionChange(ticker: "D", rank: 1, marketCap: 1_000)])
        #expect(third.removed == [CompositionChange(ticker: "C", rank: nil, marketCap: nil)])
        let fourth = try #require(calculator.compositionEvent(for: results[3]))
        #expect(fourth.added == [CompositionChange(ticker: "B", rank: 2, marketCap: 200)])
        #expect(fourth.removed == [CompositionChange(ticker: "A", rank: nil, marketCap: nil)])
    }

    @Test("a session without a change still has an event, with empty lists")
    func unchangedSessionEvent() throws {
        let base = calculator.compute(
            date: day("2024-01-02"), rows: [valid("A", close: 1, cap: 2), valid("B", close: 1, cap: 1)], previous: nil,
            sourceBatchID: "b1"
        )
        let next = calculator.compute(
            date: day("2024-01-03"), rows: [valid("A", close: 2, cap: 4), valid("B", close: 2, cap: 2)], previous: base,
            sourceBatchID: "b2"
        )
        let event = try #require(calculator.compositionEvent(for: next))
        #expect(event.added == [])
        #expect(event.removed == [])
        #expect(next.dailyReturn == 1)
        #expect(next.level == 2000)
    }

    @Test("turnover: half the sum of |target - drifted weight|, entrants and leavers included; none at the base")
    func turnover() {
        let base = calculator.compute(
            date: day("2024-01-02"),
            rows: [
                valid("A", close: 100, cap: 1000), valid("B", close: 50, cap: 500), valid("C", close: 10, cap: 100),
            ],
            previous: nil, sourceBatchID: "b1"
        )
        #expect(base.turnover == nil)
        // A +10 %, B -10 %: R = 0, drifted weights 0.55 and 0.45 against targets of 0.5 each.
        let kept = calculator.compute(
            date: day("2024-01-03"),
            rows: [
                valid("A", close: 110, cap: 1100), valid("B", close: 45, cap: 450), valid("C", close: 10, cap: 100),
            ],
            previous: base, sourceBatchID: "b2"
        )
        #expect(abs(kept.dailyReturn) < 1e-15)  // 110/100 - 1 and 45/50 - 1 are not exact in binary
        #expect(abs(kept.turnover! - 0.05) < 1e-15)
        // The same moves, but C (cap 600) replaces B: |0.5 - 0.55| + |0 - 0.45| + |0.5 - 0| = 1, halved.
        let replaced = calculator.compute(
            date: day("2024-01-03"),
            rows: [
                valid("A", close: 110, cap: 1100), valid("B", close: 45, cap: 450), valid("C", close: 10, cap: 600),
            ],
            previous: base, sourceBatchID: "b2"
        )
        #expect(replaced.constituents.map(\.ticker) == ["A", "C"])
        #expect(abs(replaced.turnover! - 0.5) < 1e-15)
        // Its composition event carries it.
        #expect(calculator.compositionEvent(for: replaced)?.turnover == replaced.turnover)
        // A member without a close: r = 0 and it leaves (daily rebalancing): A drifts to 0.5 * 1.2 / 1.1.
        let missing = calculator.compute(
            date: day("2024-01-03"), rows: [valid("A", close: 120, cap: 1200), valid("C", close: 10, cap: 100)],
            previous: base, sourceBatchID: "b2"
        )
        let driftA = 0.5 * 1.2 / 1.1
        let driftB = 0.5 / 1.1
        #expect(abs(missing.turnover! - 0.5 * (abs(0.5 - driftA) + driftB + 0.5)) < 1e-15)
    }
}
