import Contracts
import Methodology
import Testing
import TradingCalendar

/// Every field of a definition, against numbers worked out by hand from DESIGN.md's formulas.
@Suite("IndexCalculator of a definition")
struct DefinitionCalculatorTests {
    /// Whether `value` is within `tolerance` of `expected` (relative above 1).
    func near(_ value: Double?, _ expected: Double, tolerance: Double = 1e-12) -> Bool {
        guard let value else { return false }
        return abs(value - expected) <= tolerance * max(1, abs(expected))
    }

    func calculator(
        size: Int, universe: IndexDefinition.Universe = .init(), weighting: IndexDefinition.Weighting = .equal,
        cap: Double? = nil, rebalance: IndexDefinition.Rebalance = .daily, buffer: Int = 0, baseLevel: Double = 1000
    ) -> IndexCalculator {
        IndexCalculator(
            definition: IndexDefinition(
                id: "def", size: size, universe: universe, weighting: weighting, cap: cap, rebalance: rebalance,
                buffer: buffer, baseLevel: baseLevel
            ))
    }

    // MARK: Weighting

    @Test("market-cap weights are cap_i / sum of caps; R is the weighted sum of the members' returns")
    func marketCapWeights() {
        let index = calculator(size: 3, weighting: .marketCap)
        let base = index.compute(
            date: day("2024-01-02"),
            rows: [valid("C", close: 20, cap: 20), valid("A", close: 100, cap: 50), valid("B", close: 50, cap: 30)],
            previous: nil, sourceBatchID: "b1"
        )
        #expect(base.constituents.map(\.ticker) == ["A", "B", "C"])
        #expect(near(base.constituents[0].weight, 0.5))
        #expect(near(base.constituents[1].weight, 0.3))
        #expect(near(base.constituents[2].weight, 0.2))
        // A +10 %, B -10 %, C +5 %: R = 0.5 * 0.1 + 0.3 * (-0.1) + 0.2 * 0.05 = 0.03.
        let next = index.compute(
            date: day("2024-01-03"),
            rows: [valid("A", close: 110, cap: 55), valid("B", close: 45, cap: 27), valid("C", close: 21, cap: 21)],
            previous: base, sourceBatchID: "b2"
        )
        #expect(near(next.dailyReturn, 0.03))
        #expect(near(next.level, 1030))
        // Daily: back to market-cap weights of the new close, 55 / 103, 27 / 103, 21 / 103.
        #expect(near(next.constituents[0].weight, 55.0 / 103))
        #expect(near(next.constituents[1].weight, 27.0 / 103))
        #expect(near(next.constituents[2].weight, 21.0 / 103))
    }

    @Test("capped market cap: 50/30/20 with cap 0.4 gives 0.4, 0.36, 0.24")
    func cappedOneRound() {
        let index = calculator(size: 3, weighting: .cappedMarketCap, cap: 0.4)
        let base = index.compute(
            date: day("2024-01-02"),
            rows: [valid("A", close: 1, cap: 50), valid("B", close: 1, cap: 30), valid("C", close: 1, cap: 20)],
            previous: nil, sourceBatchID: "b1"
        )
        // A's excess 0.1 goes to B and C in proportion 0.3 : 0.2.
        #expect(near(base.constituents[0].weight, 0.4))
        #expect(near(base.constituents[1].weight, 0.3 + 0.1 * 0.3 / 0.5))
        #expect(near(base.constituents[2].weight, 0.2 + 0.1 * 0.2 / 0.5))
    }

    @Test("capped market cap redistributes until none exceeds the cap: 45/35/12/8 with cap 0.3")
    func cappedTwoRounds() {
        let index = calculator(size: 4, weighting: .cappedMarketCap, cap: 0.3)
        let base = index.compute(
            date: day("2024-01-02"),
            rows: [
                valid("A", close: 1, cap: 45), valid("B", close: 1, cap: 35), valid("C", close: 1, cap: 12),
                valid("D", close: 1, cap: 8),
            ],
            previous: nil, sourceBatchID: "b1"
        )
        // Round 1: A to 0.3, B becomes 0.35 + 0.15 * 35 / 55 > 0.3. Round 2: B to 0.3; C and D share the remaining
        // 0.4 in proportion 12 : 8.
        #expect(base.constituents.map(\.ticker) == ["A", "B", "C", "D"])
        #expect(near(base.constituents[0].weight, 0.3))
        #expect(near(base.constituents[1].weight, 0.3))
        #expect(near(base.constituents[2].weight, 0.4 * 12 / 20))
        #expect(near(base.constituents[3].weight, 0.4 * 8 / 20))
    }

    @Test("capped market cap with cap * |C| <= 1 weights every member 1 / |C|")
    func cappedTooTight() {
        for cap in [0.25, 0.2] {
            let index = calculator(size: 4, weighting: .cappedMarketCap, cap: cap)
            let base = index.compute(
                date: day("2024-01-02"),
                rows: [
                    valid("A", close: 1, cap: 70), valid("B", close: 1, cap: 20), valid("C", close: 1, cap: 6),
                    valid("D", close: 1, cap: 4),
                ],
                previous: nil, sourceBatchID: "b1"
            )
            #expect(base.constituents.map(\.weight) == [0.25, 0.25, 0.25, 0.25], "cap \(cap)")
        }
    }

    // MARK: Rebalance schedule

    @Test("weekly: the last session before another ISO week, around holidays")
    func weeklySchedule() {
        let index = calculator(size: 1, rebalance: .weekly)
        #expect(index.isRebalanceSession(day("2024-01-05")))  // Friday
        #expect(!index.isRebalanceSession(day("2024-01-04")))
        #expect(index.isRebalanceSession(day("2024-01-12")))  // next session Tuesday 16th (MLK day)
        #expect(index.isRebalanceSession(day("2024-03-28")))  // Thursday before Good Friday
        #expect(!index.isRebalanceSession(day("2024-03-27")))
        #expect(index.isRebalanceSession(day("2024-12-27")))  // next Monday the 30th, ISO week 1 of 2025
        #expect(!index.isRebalanceSession(day("2024-12-30")))  // next the 31st, same ISO week
        #expect(!index.isRebalanceSession(day("2024-12-31")))  // next 2025-01-02, same ISO week (2025-W01)
    }

    @Test("monthly and quarterly: the last session of the month or quarter, holidays included")
    func monthlyAndQuarterlySchedule() {
        let monthly = calculator(size: 1, rebalance: .monthly)
        let quarterly = calculator(size: 1, rebalance: .quarterly)
        #expect(monthly.isRebalanceSession(day("2024-03-28")))  // Good Friday is 03-29
        #expect(quarterly.isRebalanceSession(day("2024-03-28")))
        #expect(monthly.isRebalanceSession(day("2024-02-29")))
        #expect(!quarterly.isRebalanceSession(day("2024-02-29")))
        #expect(monthly.isRebalanceSession(day("2024-08-30")))  // next 09-03 after Labor Day
        #expect(!monthly.isRebalanceSession(day("2024-08-29")))
        #expect(quarterly.isRebalanceSession(day("2024-12-31")))
        #expect(!quarterly.isRebalanceSession(day("2024-12-30")))
        #expect(quarterly.isRebalanceSession(day("2024-06-28")))
        #expect(calculator(size: 1).isRebalanceSession(day("2024-12-30")))  // daily
    }

    @Test("a month whose last NYSE session has no rows has no rebalance; with rows it would")
    func periodWithoutLastSession() {
        let index = calculator(size: 1, rebalance: .monthly)
        let base = index.compute(
            date: day("2024-01-29"), rows: [valid("A", close: 10, cap: 200), valid("B", close: 10, cap: 100)],
            previous: nil, sourceBatchID: "b1"
        )
        #expect(base.constituents.map(\.ticker) == ["A"])
        let later = [valid("A", close: 10, cap: 200), valid("B", close: 10, cap: 300)]
        let tuesday = index.compute(date: day("2024-01-30"), rows: later, previous: base, sourceBatchID: "b2")
        #expect(tuesday.constituents.map(\.ticker) == ["A"])
        // January's last session, 01-31, has no rows: no index session, so no rebalance in January.
        #expect(index.compute(date: day("2024-01-31"), rows: [], previous: tuesday, sourceBatchID: "b3").isRetraction)
        let february = index.compute(date: day("2024-02-01"), rows: later, previous: tuesday, sourceBatchID: "b4")
        #expect(february.constituents.map(\.ticker) == ["A"])
        #expect(february.constituents.map(\.rank) == [2])
        #expect(february.turnover == nil && february.departures.isEmpty)
        // Had 01-31 rows, B would replace A there: turnover 0.5 * (|0 - 1| + |1 - 0|) = 1.
        let rebalanced = index.compute(date: day("2024-01-31"), rows: later, previous: tuesday, sourceBatchID: "b3")
        #expect(rebalanced.constituents.map(\.ticker) == ["B"])
        #expect(rebalanced.turnover == 1)
        #expect(rebalanced.departures == [CompositionChange(ticker: "A", rank: 2, marketCap: 200)])
    }

    // MARK: Drift between rebalances

    /// Weekly, N = 2, equal weights: Monday 2024-01-08 to Friday 01-12, A (cap 1000) and B (cap 900).
    func driftingWeek(_ index: IndexCalculator) -> [IndexResult] {
        let sessions: [(String, [ValidRow])] = [
            ("2024-01-08", [valid("A", close: 100, cap: 1000), valid("B", close: 100, cap: 900)]),
            ("2024-01-09", [valid("A", close: 90, cap: 1000), valid("B", close: 110, cap: 900)]),
            ("2024-01-10", [valid("A", close: 99, cap: 1000), valid("B", close: 121, cap: 900)]),
            ("2024-01-11", [valid("A", close: 89.1, cap: 1000), valid("B", close: 145.2, cap: 900)]),
            (
                "2024-01-12",
                [
                    valid("A", close: 89.1, cap: 1000), valid("B", close: 145.2, cap: 900),
                    valid("C", close: 7, cap: 950),
                ]
            ),
        ]
        var results: [IndexResult] = []
        for (date, rows) in sessions {
            results.append(index.compute(date: day(date), rows: rows, previous: results.last, sourceBatchID: date))
        }
        return results
    }

    @Test("between rebalances weights drift with prices and R is the weighted sum, over three sessions")
    func driftOverThreeSessions() {
        let results = driftingWeek(calculator(size: 2, rebalance: .weekly))
        // 01-09: A -10 %, B +10 %: R = 0; weights 0.5 * 0.9 and 0.5 * 1.1.
        #expect(near(results[1].dailyReturn, 0))
        #expect(near(results[1].level, 1000))
        #expect(near(results[1].constituents[0].weight, 0.45))
        #expect(near(results[1].constituents[1].weight, 0.55))
        // 01-10: both +10 %: R = 0.1, weights unchanged.
        #expect(near(results[2].dailyReturn, 0.1))
        #expect(near(results[2].level, 1100))
        #expect(near(results[2].constituents[0].weight, 0.45))
        // 01-11: A -10 %, B +20 %: R = 0.45 * -0.1 + 0.55 * 0.2 = 0.065; A 0.405 / 1.065, B 0.66 / 1.065.
        #expect(near(results[3].dailyReturn, 0.065))
        #expect(near(results[3].level, 1100 * 1.065))
        #expect(near(results[3].constituents[0].weight, 0.405 / 1.065))
        #expect(near(results[3].constituents[1].weight, 0.66 / 1.065))
        for result in results[1...3] {
            #expect(result.constituents.map(\.ticker) == ["A", "B"])
            #expect(result.turnover == nil && result.departures.isEmpty)
        }
    }

    @Test("turnover at a weekly rebalance compares the targets with the drifted weights")
    func turnoverAtWeeklyRebalance() {
        let results = driftingWeek(calculator(size: 2, rebalance: .weekly))
        #expect(results[0].turnover == nil)  // the base
        let friday = results[4]
        // C (950) enters, B (900) leaves; prices flat, so drift is 01-11's weights: A 0.405 / 1.065, B 0.66 / 1.065.
        // Turnover = 0.5 * (|0.5 - 0.405 / 1.065| + |0 - 0.66 / 1.065| + |0.5 - 0|) = 0.66 / 1.065.
        #expect(friday.constituents.map(\.ticker) == ["A", "C"])
        #expect(friday.constituents.map(\.weight) == [0.5, 0.5])
        #expect(near(friday.turnover, 0.66 / 1.065))
        #expect(friday.departures == [CompositionChange(ticker: "B", rank: 3, marketCap: 900)])
        let event = calculator(size: 2, rebalance: .weekly).compositionEvent(for: friday)
        #expect(event?.added == [CompositionChange(ticker: "C", rank: 2, marketCap: 950)])
        // Daily, the same prices rebalance at every close: 01-12's drift is then 0.5 / 0.5.
        let daily = driftingWeek(calculator(size: 2))
        #expect(daily[4].turnover == 0.5)
    }

    // MARK: Selection

    @Test("buffer: a member ranked N + 1 stays; one ranked N + 2 leaves for the best-ranked newcomer")
    func bufferKeepsMember() {
        let buffered = calculator(size: 2, buffer: 1)
        let plain = calculator(size: 2)
        let rows = [valid("A", close: 1, cap: 100), valid("B", close: 1, cap: 90), valid("C", close: 1, cap: 80)]
        let base = buffered.compute(date: day("2024-01-02"), rows: rows, previous: nil, sourceBatchID: "b1")
        #expect(base.constituents.map(\.ticker) == ["A", "B"])
        // B falls to rank 3 = N + b: kept, in rank order.
        let fall = [
            valid("A", close: 1, cap: 100), valid("C", close: 1, cap: 95), valid("B", close: 1, cap: 90),
            valid("D", close: 1, cap: 10),
        ]
        let kept = buffered.compute(date: day("2024-01-03"), rows: fall, previous: base, sourceBatchID: "b2")
        #expect(kept.constituents.map(\.ticker) == ["A", "B"])
        #expect(kept.constituents.map(\.rank) == [1, 3])
        #expect(kept.departures.isEmpty && kept.turnover == 0)
        #expect(
            plain.compute(date: day("2024-01-03"), rows: fall, previous: base, sourceBatchID: "b2").constituents.map(
                \.ticker) == ["A", "C"])
        // Then C and D overtake: A ranked 3 stays, B ranked 4 leaves, the best-ranked not kept (C) fills.
        let overtaken = [
            valid("C", close: 1, cap: 300), valid("D", close: 1, cap: 200), valid("A", close: 1, cap: 100),
            valid("B", close: 1, cap: 90),
        ]
        let next = buffered.compute(date: day("2024-01-04"), rows: overtaken, previous: kept, sourceBatchID: "b3")
        #expect(next.constituents.map(\.ticker) == ["C", "A"])
        #expect(next.constituents.map(\.rank) == [1, 3])
        #expect(next.departures == [CompositionChange(ticker: "B", rank: 4, marketCap: 90)])
    }

    // MARK: Universe

    let stocks = [
        StockInfo(ticker: "A", name: "A", sector: "Tech", exchange: "NYSE"),
        StockInfo(ticker: "B", name: "B", sector: "Health", exchange: "NASDAQ"),
        StockInfo(ticker: "C", name: "C", sector: "Tech", exchange: "NASDAQ"),
    ]
    let universeRows = [
        valid("D", close: 1, cap: 5000), valid("B", close: 1, cap: 4000), valid("A", close: 1, cap: 3000),
        valid("C", close: 1, cap: 2000),
    ]

    @Test("universe: a stock matches every non-empty list; one without metadata only the universe of all")
    func universeFilter() {
        func members(_ universe: IndexDefinition.Universe) -> [String] {
            calculator(size: 4, universe: universe).compute(
                date: day("2024-01-02"), rows: universeRows, stocks: stocks, previous: nil, sourceBatchID: "b1"
            ).constituents.map { "\($0.ticker)\($0.rank)" }
        }
        #expect(members(.init()) == ["D1", "B2", "A3", "C4"])
        #expect(members(.init(sectors: ["Tech"])) == ["A1", "C2"])
        #expect(members(.init(exchanges: ["NASDAQ"])) == ["B1", "C2"])
        #expect(members(.init(sectors: ["Tech"], exchanges: ["NASDAQ"])) == ["C1"])
        #expect(members(.init(sectors: ["Energy"])) == [])
    }

    @Test("the first session is the first with an eligible row; a rebalance without one keeps the members")
    func noEligibleRow() {
        let tech = calculator(size: 2, universe: .init(sectors: ["Tech"]))
        let none = [valid("D", close: 1, cap: 5000), valid("B", close: 1, cap: 4000)]
        #expect(
            tech.compute(date: day("2024-01-02"), rows: none, stocks: stocks, previous: nil, sourceBatchID: "b")
                .isRetraction)
        let base = tech.compute(
            date: day("2024-01-02"), rows: universeRows, stocks: stocks, previous: nil, sourceBatchID: "b1"
        )
        let kept = tech.compute(
            date: day("2024-01-03"), rows: none, stocks: stocks, previous: base, sourceBatchID: "b2")
        #expect(kept.constituents.map(\.ticker) == ["A", "C"])
        #expect(kept.constituents.map(\.lastCloseDate) == [day("2024-01-02"), day("2024-01-02")])
        #expect(kept.constituents.map(\.close) == [1, 1])
        #expect(kept.constituents.map(\.weight) == [0.5, 0.5])
        #expect(kept.dailyReturn == 0 && kept.level == 1000)
        #expect(kept.turnover == nil && kept.departures.isEmpty)
    }

    // MARK: Carried prices

    @Test("a carried member stays at its last close; a split during the carry counts at its next valid close")
    func carriedWithSplit() {
        let index = calculator(size: 2, rebalance: .weekly)
        let base = index.compute(
            date: day("2024-01-08"), rows: [valid("A", close: 100, cap: 900), valid("B", close: 50, cap: 800)],
            previous: nil, sourceBatchID: "b1"
        )
        // 01-09: B has no row. r_A = 0.1, r_B = 0: R = 0.05; weights 0.55 / 1.05 and 0.5 / 1.05.
        let tuesday = index.compute(
            date: day("2024-01-09"), rows: [valid("A", close: 110, cap: 990)], previous: base, sourceBatchID: "b2"
        )
        #expect(near(tuesday.dailyReturn, 0.05))
        #expect(tuesday.constituents.map(\.ticker) == ["A", "B"])
        #expect(tuesday.constituents.map(\.rank) == [1, 2])
        #expect(tuesday.constituents[1].close == 50 && tuesday.constituents[1].marketCap == 800)
        #expect(tuesday.constituents[1].lastCloseDate == day("2024-01-08"))
        #expect(near(tuesday.constituents[1].weight, 0.5 / 1.05))
        // 01-10: B splits 2-for-1 while still without a row: r_B = 0, its close and q_B stay.
        let split = AcceptedAction(date: day("2024-01-10"), ticker: "B", kind: .split, value: 2)
        let wednesday = index.compute(
            date: day("2024-01-10"), rows: [valid("A", close: 110, cap: 990)], previous: tuesday, actions: [split],
            sourceBatchID: "b3"
        )
        #expect(wednesday.dailyReturn == 0)
        #expect(wednesday.constituents[1].lastCloseDate == day("2024-01-08"))
        // 01-11: B closes 26 on the new basis: r_B = 26 * 2 / 50 - 1 = 0.04; R = 0.5 / 1.05 * 0.04 = 0.02 / 1.05,
        // level 1050 * (1 + 0.02 / 1.05) = 1070. A's split dated 01-09 is outside its window (01-10, 01-11].
        let stray = AcceptedAction(date: day("2024-01-09"), ticker: "A", kind: .split, value: 2)
        let thursday = index.compute(
            date: day("2024-01-11"), rows: [valid("A", close: 110, cap: 990), valid("B", close: 26, cap: 832)],
            previous: wednesday, actions: [stray, split], sourceBatchID: "b4"
        )
        #expect(near(thursday.dailyReturn, 0.02 / 1.05))
        #expect(near(thursday.level, 1070))
        #expect(thursday.constituents[1].lastCloseDate == nil && thursday.constituents[1].close == 26)
        #expect(near(thursday.constituents[1].weight, 0.52 / 1.07))
        #expect(near(thursday.constituents[0].weight, 0.55 / 1.07))
    }

    @Test("a member without a valid close at a rebalance leaves, with no rank nor market cap")
    func carriedLeavesAtRebalance() {
        let index = calculator(size: 2, rebalance: .weekly)
        let base = index.compute(
            date: day("2024-01-11"), rows: [valid("A", close: 100, cap: 900), valid("B", close: 50, cap: 800)],
            previous: nil, sourceBatchID: "b1"
        )
        let friday = index.compute(
            date: day("2024-01-12"), rows: [valid("A", close: 100, cap: 900), valid("C", close: 5, cap: 100)],
            previous: base, sourceBatchID: "b2"
        )
        #expect(friday.constituents.map(\.ticker) == ["A", "C"])
        #expect(friday.departures == [CompositionChange(ticker: "B", rank: nil, marketCap: nil)])
    }

    // MARK: Base level

    @Test("the level starts at the definition's base_level")
    func baseLevel() {
        let index = calculator(size: 1, baseLevel: 250)
        let base = index.compute(
            date: day("2024-01-02"), rows: [valid("A", close: 8, cap: 1)], previous: nil, sourceBatchID: "b1"
        )
        #expect(base.level == 250)
        let next = index.compute(
            date: day("2024-01-03"), rows: [valid("A", close: 10, cap: 1)], previous: base, sourceBatchID: "b2"
        )
        #expect(next.level == 312.5)  // 250 * 10 / 8
    }
}
