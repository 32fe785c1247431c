import Contracts
import Methodology
import TestSupport
import Testing
import TradingCalendar

/// The build engine with definitions whose weights drift and whose prices are carried between rebalances.
@Suite("IndexBuildEngine with a definition")
struct DefinitionEngineTests {
    let weekly = IndexCalculator(definition: IndexDefinition(id: "weekly", size: 2, rebalance: .weekly))

    /// Delivers each batch in turn (stored, built, plan applied) and returns what storage ends up with.
    func deliver(
        _ batches: [(date: String, batch: SimulatedMarket.Batch)], calculator: IndexCalculator,
        store: FakeBuildStore = FakeBuildStore()
    ) async throws -> [SessionDate: String] {
        let engine = IndexBuildEngine(calculator: calculator, calendar: .standard)
        for (date, batch) in batches {
            await store.put(
                day(date), batchID: batch.batchID, rows: batch.rows, actions: batch.actions, stocks: batch.stocks)
            let plan = try await engine.build(
                arrived: day(date), batchID: batch.batchID, rows: batch.rows, actions: batch.actions,
                stocks: batch.stocks, store: store
            )
            await store.apply(plan)
        }
        return await store.snapshot()
    }

    /// The series computed directly over the final batches.
    func reference(_ batches: [(date: String, batch: SimulatedMarket.Batch)], calculator: IndexCalculator)
        -> [SessionDate: String]
    {
        var market = SimulatedMarket(count: batches.count)
        var latest: [SessionDate: SimulatedMarket.Batch] = [:]
        for (date, batch) in batches { latest[day(date)] = batch }
        market = market.restricted(to: latest.keys.sorted())
        market.batches = latest
        return market.reference(calculator)
    }

    @Test("a split dated during a carry that arrives late still counts at the member's next valid close")
    func lateActionDuringCarry() async throws {
        let split = AcceptedAction(date: day("2024-01-10"), ticker: "B", kind: .split, value: 2)
        let onlyA = [valid("A", close: 110, cap: 990)]
        let batches: [(date: String, batch: SimulatedMarket.Batch)] = [
            (
                "2024-01-08",
                .init(batchID: "m", rows: [valid("A", close: 100, cap: 900), valid("B", close: 50, cap: 800)])
            ),
            ("2024-01-09", .init(batchID: "t", rows: onlyA)),
            ("2024-01-10", .init(batchID: "w1", rows: onlyA)),
            (
                "2024-01-11",
                .init(batchID: "h", rows: [valid("A", close: 110, cap: 990), valid("B", close: 26, cap: 832)])
            ),
            ("2024-01-10", .init(batchID: "w2", rows: onlyA, actions: [split])),
        ]
        let stored = try await deliver(batches, calculator: weekly)
        #expect(stored == reference(batches, calculator: weekly))
        // B: 26 * 2 / 50 - 1 = 0.04 with its weight 0.5 / 1.05 at 01-10: R(01-11) = 0.02 / 1.05, the level 1070.
        let store = FakeBuildStore()
        _ = try await deliver(batches, calculator: weekly, store: store)
        let thursday = await store.results[day("2024-01-11")]
        #expect(abs((thursday?.level ?? 0) - 1070) < 1e-9)
    }

    @Test("a stored return is not reused when the previous weights drifted differently")
    func driftedWeightsAreNotReused() async throws {
        let batches: [(date: String, batch: SimulatedMarket.Batch)] = [
            (
                "2024-01-08",
                .init(batchID: "m1", rows: [valid("A", close: 100, cap: 900), valid("B", close: 100, cap: 800)])
            ),
            (
                "2024-01-09",
                .init(batchID: "t", rows: [valid("A", close: 120, cap: 900), valid("B", close: 100, cap: 800)])
            ),
            (
                "2024-01-10",
                .init(batchID: "w", rows: [valid("A", close: 60, cap: 900), valid("B", close: 100, cap: 800)])
            ),
            // A closed at 80 on Monday after all: Tuesday's closes are unchanged, its weights are not.
            (
                "2024-01-08",
                .init(batchID: "m2", rows: [valid("A", close: 80, cap: 900), valid("B", close: 100, cap: 800)])
            ),
        ]
        let stored = try await deliver(batches, calculator: weekly)
        #expect(stored == reference(batches, calculator: weekly))
        // Tuesday: A +50 %, R = 0.25, weights 0.75 / 1.25 = 0.6 and 0.4; Wednesday: A -50 %, R = -0.3.
        let store = FakeBuildStore()
        _ = try await deliver(batches, calculator: weekly, store: store)
        let wednesday = await store.results[day("2024-01-10")]
        #expect(abs((wednesday?.dailyReturn ?? 0) + 0.3) < 1e-12)
    }

    @Test("a sector-filtered definition reads each session's stocks: in any order the series is the direct one")
    func filteredInAnyOrder() async throws {
        let definition = IndexDefinition(
            id: "tech", size: 1, universe: .init(sectors: ["Tech"]), weighting: .marketCap, rebalance: .weekly,
            buffer: 1, baseLevel: 100
        )
        let calculator = IndexCalculator(definition: definition)
        let market = SimulatedMarket()
        let expected = market.reference(calculator)
        #expect(expected.count == 15)
        var generator = SeededGenerator(seed: 11)
        for order in [market.sessions, market.sessions.reversed(), market.sessions.shuffled(using: &generator)] {
            let store = FakeBuildStore()
            let batches = order.map { (date: "\($0)", batch: market.batches[$0]!) }
            #expect(try await deliver(batches, calculator: calculator, store: store) == expected)
            // Only A and C are Tech, and the level starts at 100.
            let results = await store.results
            #expect(results.values.allSatisfy { ["A", "C"].contains($0.constituents.first?.ticker) })
            #expect(results[market.sessions[0]]?.level == 100)
        }
    }
}
