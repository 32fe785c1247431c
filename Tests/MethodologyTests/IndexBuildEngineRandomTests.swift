import Contracts
import Methodology
import TestSupport
import Testing
import TradingCalendar

/// Random delivery histories: several batches per session (corrections, emptied sessions), duplicates, a holiday,
/// builds before or after storage has the batch, occasional rebuilds and plans stored only in part.
@Suite("IndexBuildEngine under random delivery histories")
struct IndexBuildEngineRandomTests {
    /// One delivery of a batch.
    struct Delivery {
        var date: SessionDate
        var batchID: String
        var rows: [ValidRow]
        var actions: [AcceptedAction]
        var stocks: [StockInfo]
    }

    /// The deliveries of a market: each session one to three batches, in a random order, some twice.
    func deliveries(of market: SimulatedMarket, using generator: inout SeededGenerator) -> [Delivery] {
        var deliveries: [Delivery] = []
        for session in market.sessions {
            for version in 0..<Int.random(in: 1...3, using: &generator) {
                var rows = market.batches[session]!.rows
                var actions = market.batches[session]!.actions
                let stocks = market.batches[session]!.stocks
                if version > 0 {
                    switch Int.random(in: 0..<4, using: &generator) {
                    case 0:
                        rows = []
                    case 1:
                        let factor = 1 + Double(Int.random(in: -50...50, using: &generator)) / 997
                        rows = rows.map { row in
                            var row = row
                            row.close *= factor
                            return row
                        }
                    case 2:
                        rows = Array(rows.dropFirst())
                        actions = Array(actions.dropFirst())
                    default:
                        let factor = Double(Int.random(in: 1...9, using: &generator))
                        rows = rows.map { row in
                            var row = row
                            row.marketCap *= factor
                            return row
                        }
                    }
                }
                deliveries.append(
                    Delivery(
                        date: session, batchID: "\(session)-v\(version)", rows: rows, actions: actions, stocks: stocks
                    ))
            }
        }
        deliveries.append(
            Delivery(
                date: market.holiday, batchID: "holiday", rows: market.batches[market.holiday]!.rows, actions: [],
                stocks: []
            ))
        deliveries.shuffle(using: &generator)
        for _ in 0..<Int.random(in: 0...4, using: &generator) {
            deliveries.append(deliveries.randomElement(using: &generator)!)
        }
        return deliveries
    }

    @Test("after every delivery the series from the base up to the first gap is exact", arguments: 1...40)
    func randomHistory(seed: UInt64) async throws {
        var generator = SeededGenerator(seed: seed &* 7_919)
        let calculator = IndexCalculator(index: "ewN", size: Int.random(in: 1...4, using: &generator))
        try await check(calculator, seed: seed, generator: &generator)
    }

    @Test(
        "the same for sector-filtered definitions: weekly or monthly (some daily), buffered, capped or market-cap weights",
        arguments: 1...40)
    func randomHistoryOfADefinition(seed: UInt64) async throws {
        var generator = SeededGenerator(seed: seed &* 104_729)
        let rebalances: [IndexDefinition.Rebalance] = [.weekly, .weekly, .monthly, .daily]
        let weightings: [IndexDefinition.Weighting] = [.cappedMarketCap, .cappedMarketCap, .marketCap, .equal]
        let weighting = weightings.randomElement(using: &generator)!
        let definition = IndexDefinition(
            id: "tech-health", size: Int.random(in: 1...3, using: &generator),
            universe: .init(sectors: ["Tech", "Health"]), weighting: weighting,
            cap: weighting == .cappedMarketCap ? 0.45 : nil, rebalance: rebalances.randomElement(using: &generator)!,
            buffer: Int.random(in: 0...2, using: &generator), baseLevel: 100
        )
        try await check(IndexCalculator(definition: definition), seed: seed, generator: &generator)
    }

    /// Delivers a random history of a random market and checks the stored series after every delivery.
    func check(_ calculator: IndexCalculator, seed: UInt64, generator: inout SeededGenerator) async throws {
        let engine = IndexBuildEngine(calculator: calculator, calendar: .standard)
        var market = SimulatedMarket(seed: seed, count: Int.random(in: 5...24, using: &generator))
        let store = FakeBuildStore()
        for delivery in deliveries(of: market, using: &generator) {
            let storedFirst = Bool.random(using: &generator)
            if storedFirst {
                await store.put(
                    delivery.date, batchID: delivery.batchID, rows: delivery.rows, actions: delivery.actions,
                    stocks: delivery.stocks)
            }
            let mode: BuildMode = Int.random(in: 0..<10, using: &generator) == 0 ? .rebuild : .incremental
            let plan = try await engine.build(
                arrived: delivery.date, batchID: delivery.batchID, rows: delivery.rows, actions: delivery.actions,
                stocks: delivery.stocks, store: store, mode: mode
            )
            let crashes = plan.results.count > 1 && Int.random(in: 0..<8, using: &generator) == 0
            if crashes {
                // Only part of the plan is stored; the redelivered batch is then built in rebuild mode.
                await store.apply(plan.results.prefix(Int.random(in: 0..<plan.results.count, using: &generator)))
            } else {
                await store.apply(plan)
            }
            if !storedFirst {
                await store.put(
                    delivery.date, batchID: delivery.batchID, rows: delivery.rows, actions: delivery.actions,
                    stocks: delivery.stocks)
            }
            if crashes {
                let again = try await engine.build(
                    arrived: delivery.date, batchID: delivery.batchID, rows: delivery.rows, actions: delivery.actions,
                    stocks: delivery.stocks, store: store, mode: .rebuild
                )
                await store.apply(again)
            }
            if market.sessions.contains(delivery.date) {
                market.batches[delivery.date] = SimulatedMarket.Batch(
                    batchID: delivery.batchID, rows: delivery.rows, actions: delivery.actions, stocks: delivery.stocks)
            }
            let expected = contiguousPrefix(of: market, delivered: await store.deliveredDates())
            let stored = await store.snapshot().filter { expected.sessions.contains($0.key) }
            #expect(stored == expected.reference(calculator), "seed \(seed), after \(delivery.batchID)")
        }
        #expect(await store.snapshot() == market.reference(calculator))
    }

    /// The market restricted to the delivered sessions from the earliest delivered one up to the first gap.
    func contiguousPrefix(of market: SimulatedMarket, delivered: [SessionDate]) -> SimulatedMarket {
        let calendar = NYSECalendar.standard
        let known = delivered.filter { calendar.isSession($0) }
        guard let first = known.first, let last = known.last else { return market.restricted(to: []) }
        let prefix = calendar.sessions(from: first, to: last).prefix { known.contains($0) }
        return market.restricted(to: Array(prefix))
    }
}
