import Contracts
import Methodology
import TestSupport
import Testing
import TradingCalendar

/// A new definition's history in one pass over the stored sessions against the engine's per-session builds.
@Suite("IndexHistory: one pass over stored sessions")
struct IndexHistoryTests {
    /// The results of one pass over every stored session from the first to the last, all of them present.
    static func onePass(_ calculator: IndexCalculator, store: FakeBuildStore) async throws -> [SessionDate: String] {
        var history = IndexHistory(calculator: calculator)
        var results: [SessionDate: String] = [:]
        let calendar = NYSECalendar.standard
        let records = try await store.sessionRecords(
            from: NYSECalendar.coverage.lowerBound, to: NYSECalendar.coverage.upperBound
        ).filter { calendar.isSession($0.date) }
        for record in records {
            let rows = try #require(try await store.rows(on: record.date))
            if let result = try await history.advance(
                date: record.date, batchID: rows.batchID, rows: rows.rows, store: store)
            {
                results[record.date] = bits(result)
            }
        }
        return results
    }

    /// Stores a random delivery history session by session through the engine, then checks one pass over the final
    /// batches gives the stored series bit for bit.
    func check(_ calculator: IndexCalculator, seed: UInt64, generator: inout SeededGenerator) async throws {
        let engine = IndexBuildEngine(calculator: calculator, calendar: .standard)
        let market = SimulatedMarket(seed: seed, count: Int.random(in: 5...24, using: &generator))
        let store = FakeBuildStore()
        let deliveries = IndexBuildEngineRandomTests().deliveries(of: market, using: &generator)
        for delivery in deliveries {
            await store.put(
                delivery.date, batchID: delivery.batchID, rows: delivery.rows, actions: delivery.actions,
                stocks: delivery.stocks)
            let plan = try await engine.build(
                arrived: delivery.date, batchID: delivery.batchID, rows: delivery.rows, actions: delivery.actions,
                stocks: delivery.stocks, store: store
            )
            await store.apply(plan)
        }
        let stored = await store.snapshot()
        #expect(!stored.isEmpty, "seed \(seed): the market has index sessions")
        #expect(try await Self.onePass(calculator, store: store) == stored, "seed \(seed)")
    }

    @Test("an equal-weight definition: the engine's series bit for bit", arguments: 1...30)
    func equalWeight(seed: UInt64) async throws {
        var generator = SeededGenerator(seed: seed &* 6_151)
        let calculator = IndexCalculator(index: "ewN", size: Int.random(in: 1...4, using: &generator))
        try await check(calculator, seed: seed, generator: &generator)
    }

    @Test(
        "sector-filtered, weekly or monthly, buffered, capped or market-cap weighted, total return: the same",
        arguments: 1...30)
    func definitions(seed: UInt64) async throws {
        var generator = SeededGenerator(seed: seed &* 12_289)
        let rebalances: [IndexDefinition.Rebalance] = [.weekly, .monthly, .quarterly, .daily]
        let weightings: [IndexDefinition.Weighting] = [.cappedMarketCap, .marketCap, .equal]
        let weighting = weightings.randomElement(using: &generator)!
        let definition = IndexDefinition(
            id: "tech-health", size: Int.random(in: 1...3, using: &generator),
            universe: .init(sectors: ["Tech", "Health"]), weighting: weighting,
            cap: weighting == .cappedMarketCap ? 0.45 : nil, rebalance: rebalances.randomElement(using: &generator)!,
            buffer: Int.random(in: 0...2, using: &generator),
            returnKind: Bool.random(using: &generator) ? .total : .price, baseLevel: 100
        )
        try await check(IndexCalculator(definition: definition), seed: seed, generator: &generator)
    }
}
