import Contracts
import Methodology
import TestSupport
import Testing
import TradingCalendar

@Suite("IndexBuildEngine")
struct IndexBuildEngineTests {
    let calculator = IndexCalculator(index: "ew3", size: 3)
    var engine: IndexBuildEngine { IndexBuildEngine(calculator: calculator, calendar: .standard) }

    /// One delivery: storage stores the batch (before or after the build sees it), the engine plans, and storage
    /// applies the plan.
    @discardableResult
    func arrive(
        _ date: SessionDate, in market: SimulatedMarket, store: FakeBuildStore, storedFirst: Bool = true,
        mode: BuildMode = .incremental, engine: IndexBuildEngine? = nil
    ) async throws -> BuildPlan {
        let batch = market.batches[date]!
        if storedFirst { await store.put(date, batchID: batch.batchID, rows: batch.rows, actions: batch.actions) }
        let plan = try await (engine ?? self.engine).build(
            arrived: date, batchID: batch.batchID, rows: batch.rows, actions: batch.actions, store: store, mode: mode
        )
        await store.apply(plan)
        if !storedFirst { await store.put(date, batchID: batch.batchID, rows: batch.rows, actions: batch.actions) }
        return plan
    }

    /// Delivers `dates` in order and returns what storage ends up with.
    func deliver(
        _ dates: [SessionDate], market: SimulatedMarket, storedFirst: (Int) -> Bool = { _ in true }
    ) async throws -> [SessionDate: String] {
        let store = FakeBuildStore()
        for (index, date) in dates.enumerated() {
            try await arrive(date, in: market, store: store, storedFirst: storedFirst(index))
        }
        return await store.snapshot()
    }

    // MARK: The invariant: order and grouping never matter

    @Test("sessions in date order give the series computed directly")
    func inOrder() async throws {
        let market = SimulatedMarket()
        let stored = try await deliver(market.sessions, market: market)
        #expect(stored == market.reference(calculator))
        // The fixture exercises what it claims: one session without rows, 15 index sessions, changes of composition.
        #expect(stored.count == 15)
        let levels = Set(market.reference(calculator).values)
        #expect(levels.count == 15)
    }

    @Test("sessions in reverse order: each earlier arrival moves the base and recomputes forward")
    func reverseOrder() async throws {
        let market = SimulatedMarket()
        #expect(try await deliver(market.sessions.reversed(), market: market) == market.reference(calculator))
    }

    @Test("the second half built before the first half")
    func halvesSwapped() async throws {
        let market = SimulatedMarket()
        let half = market.sessions.count / 2
        let order = Array(market.sessions[half...]) + Array(market.sessions[..<half])
        #expect(try await deliver(order, market: market) == market.reference(calculator))
    }

    @Test("ranges of four sessions built in a scrambled order, each range in date order")
    func rangesScrambled() async throws {
        let market = SimulatedMarket()
        let blocks = stride(from: 0, to: market.sessions.count, by: 4).map {
            Array(market.sessions[$0..<min($0 + 4, market.sessions.count)])
        }
        for permutation in [[2, 0, 3, 1], [3, 2, 1, 0], [1, 3, 0, 2]] {
            let order = permutation.flatMap { blocks[$0] }
            #expect(try await deliver(order, market: market) == market.reference(calculator))
        }
    }

    @Test("random arrival orders, some builds running before storage has the batch", arguments: 1...12)
    func randomOrders(seed: UInt64) async throws {
        var generator = SeededGenerator(seed: seed)
        let market = SimulatedMarket(seed: seed)
        var order = market.sessions + [market.holiday]
        order.shuffle(using: &generator)
        let storedFirst = order.map { _ in Bool.random(using: &generator) }
        #expect(
            try await deliver(order, market: market, storedFirst: { storedFirst[$0] }) == market.reference(calculator))
    }

    @Test("every session arriving twice, in a random order", arguments: [5, 6, 7] as [UInt64])
    func arrivingTwice(seed: UInt64) async throws {
        var generator = SeededGenerator(seed: seed)
        let market = SimulatedMarket(seed: seed)
        let order = (market.sessions + market.sessions).shuffled(using: &generator)
        #expect(try await deliver(order, market: market) == market.reference(calculator))
    }

    @Test("a day replaced by a new batch, in the middle of a random order or after everything")
    func replacedDay() async throws {
        let market = SimulatedMarket()
        let date = market.sessions[5]
        // The new batch moves closes and drops the largest stock, so returns and compositions change from there on.
        let old = market.batches[date]!.rows.sorted { $0.marketCap > $1.marketCap }
        let newRows = old.dropFirst().map { row in
            var row = row
            row.close *= 1.07
            return row
        }
        let corrected = market.replacing(date, batchID: "\(date)-v2", rows: newRows)
        #expect(corrected.reference(calculator) != market.reference(calculator))

        let store = FakeBuildStore()
        for session in market.sessions { try await arrive(session, in: market, store: store) }
        try await arrive(date, in: corrected, store: store)
        #expect(await store.snapshot() == corrected.reference(calculator))

        var generator = SeededGenerator(seed: 11)
        let shuffled = FakeBuildStore()
        let order = market.sessions.shuffled(using: &generator)
        for session in order[..<8] { try await arrive(session, in: market, store: shuffled) }
        try await arrive(date, in: market, store: shuffled)
        try await arrive(date, in: corrected, store: shuffled)
        for session in order[8...] where session != date { try await arrive(session, in: corrected, store: shuffled) }
        #expect(await shuffled.snapshot() == corrected.reference(calculator))
    }

    @Test("a new batch without valid rows retracts the day; a later one with rows brings it back")
    func retractionAndReturn() async throws {
        let market = SimulatedMarket()
        let date = market.sessions[7]
        let emptied = market.replacing(date, batchID: "\(date)-empty", rows: [])
        let store = FakeBuildStore()
        for session in market.sessions { try await arrive(session, in: market, store: store) }
        let plan = try await arrive(date, in: emptied, store: store)
        #expect(plan.results.first?.date == date)
        #expect(plan.results.first?.isRetraction == true)
        #expect(await store.storedResult(on: date) == nil)
        #expect(await store.snapshot() == emptied.reference(calculator))
        // The session that had no rows at all (index 11) gets some.
        let empty = market.sessions[11]
        let filled = emptied.replacing(empty, batchID: "\(empty)-v2", rows: market.batches[market.sessions[10]]!.rows)
        try await arrive(empty, in: filled, store: store)
        #expect(await store.snapshot() == filled.reference(calculator))
    }

    @Test("actions of a session without rows count at the next index session; replacing them recomputes it")
    func actionsOnSessionWithoutRows() async throws {
        let market = SimulatedMarket()
        let empty = market.sessions[11]
        #expect(market.batches[empty]!.rows.isEmpty && !market.batches[empty]!.actions.isEmpty)
        // Every stock is a member, so D's split matters.
        let all = IndexCalculator(index: "ew9", size: 9)
        let engine = IndexBuildEngine(calculator: all, calendar: .standard)
        let store = FakeBuildStore()
        for session in market.sessions { try await arrive(session, in: market, store: store, engine: engine) }
        #expect(await store.snapshot() == market.reference(all))
        // D's 1-for-2 reverse split dropped: the next session's return changes (D has doubled), and the rest with it.
        let without = market.replacing(empty, batchID: "\(empty)-v2", rows: [])
        #expect(without.reference(all) != market.reference(all))
        let plan = try await arrive(empty, in: without, store: store, engine: engine)
        #expect(plan.results.first?.date == market.sessions[12])
        #expect(await store.snapshot() == without.reference(all))
        // And back.
        try await arrive(empty, in: market, store: store, engine: engine)
        #expect(await store.snapshot() == market.reference(all))
    }

    // MARK: Waiting for a missing session

    @Test("a missing middle session makes later builds wait; its arrival completes the series")
    func waitsForMissingSession() async throws {
        let market = SimulatedMarket()
        let missing = market.sessions[5]
        let store = FakeBuildStore()
        for session in market.sessions where session != missing {
            let plan = try await arrive(session, in: market, store: store)
            if session > missing {
                #expect(plan.status == .waiting(for: missing))
                #expect(plan.results.isEmpty)
            } else {
                #expect(plan.status == .built)
            }
        }
        #expect(await store.results.keys.sorted() == Array(market.sessions[..<5]))
        let plan = try await arrive(missing, in: market, store: store)
        #expect(plan.status == .built)
        #expect(plan.results.map(\.date) == market.sessions[5...].filter { !(market.batches[$0]!.rows.isEmpty) })
        #expect(await store.snapshot() == market.reference(calculator))
    }

    @Test("the earliest missing session is the one waited for")
    func waitsForEarliestMissing() async throws {
        let market = SimulatedMarket()
        let store = FakeBuildStore()
        try await arrive(market.sessions[0], in: market, store: store)
        let plan = try await arrive(market.sessions[4], in: market, store: store)
        #expect(plan.status == .waiting(for: market.sessions[1]))
    }

    @Test("building before a gap stops there and reports that later stored sessions may be out of date")
    func blockedByGap() async throws {
        let market = SimulatedMarket()
        let store = FakeBuildStore()
        for session in market.sessions[8...] { try await arrive(session, in: market, store: store) }
        let plan = try await arrive(market.sessions[2], in: market, store: store)
        #expect(plan.status == .built)
        #expect(plan.results.map(\.date) == [market.sessions[2]])
        #expect(plan.results.first?.isBase == true)
        #expect(plan.blockedBy == market.sessions[3])
        // Sessions up to the gap wait for nothing; a session after it waits for the gap.
        #expect(
            try await arrive(market.sessions[10], in: market, store: store).status == .waiting(for: market.sessions[3]))
        for session in market.sessions[3..<8] { try await arrive(session, in: market, store: store) }
        #expect(await store.results.count == 13)  // sessions 2...15 but the one without rows
        try await arrive(market.sessions[0], in: market, store: store)
        try await arrive(market.sessions[1], in: market, store: store)
        #expect(await store.snapshot() == market.reference(calculator))
    }

    // MARK: What a build computes

    @Test("a date that is no session is ignored, and its stored batch never reaches a result")
    func holidayIgnored() async throws {
        let market = SimulatedMarket()
        let store = FakeBuildStore()
        let plan = try await arrive(market.holiday, in: market, store: store)
        #expect(plan == BuildPlan(status: .notASession))
        for session in market.sessions { try await arrive(session, in: market, store: store) }
        #expect(await store.snapshot() == market.reference(calculator))
    }

    @Test("the first session arriving is the base")
    func firstArrivalIsBase() async throws {
        let market = SimulatedMarket()
        let store = FakeBuildStore()
        let plan = try await arrive(market.sessions[3], in: market, store: store)
        #expect(plan.status == .built)
        #expect(plan.results.count == 1)
        #expect(plan.results.first?.isBase == true)
        #expect(plan.results.first?.level == 1000)
    }

    @Test("a batch arriving again changes nothing and publishes nothing")
    func redeliveryPublishesNothing() async throws {
        let market = SimulatedMarket()
        let store = FakeBuildStore()
        for session in market.sessions { try await arrive(session, in: market, store: store) }
        await store.resetFetches()
        for session in market.sessions {
            #expect(try await arrive(session, in: market, store: store).results.isEmpty)
        }
        // Only the session after one without rows is recomputed (to identical bits): the actions of a session
        // without rows count in the next one's return, and nothing tells whether a new batch changed them.
        let afterEmpty = market.sessions.indices.dropFirst().filter {
            market.batches[market.sessions[$0 - 1]]!.rows.isEmpty
        }
        #expect(await store.rowFetches == afterEmpty.map { market.sessions[$0] })
    }

    @Test("after a replaced day only the next session is recomputed from rows; later ones only get new levels")
    func reusesUnchangedReturns() async throws {
        let market = SimulatedMarket()
        let date = market.sessions[2]
        // One member's close corrected (the largest stock's); scaling every close would leave the next level
        // unchanged up to rounding.
        var rows = market.batches[date]!.rows
        let largest = rows.indices.max { rows[$0].marketCap < rows[$1].marketCap }!
        rows[largest].close *= 1.01
        let corrected = market.replacing(date, batchID: "\(date)-v2", rows: rows)
        let store = FakeBuildStore()
        for session in market.sessions { try await arrive(session, in: market, store: store) }
        let before = await store.results
        await store.resetFetches()
        let plan = try await arrive(date, in: corrected, store: store)
        let fetched = await store.rowFetches
        #expect(fetched == [market.sessions[3]], "\(fetched)")
        #expect(plan.results.map(\.date) == market.sessions[2...].filter { !(market.batches[$0]!.rows.isEmpty) })
        for result in plan.results.dropFirst(2) {
            #expect(result.dailyReturn == before[result.date]?.dailyReturn)
            #expect(result.level != before[result.date]?.level)
        }
        #expect(await store.snapshot() == corrected.reference(calculator))
    }

    @Test("stored results missing before the arrived session are rebuilt first")
    func rebuildsMissingEarlierResults() async throws {
        let market = SimulatedMarket()
        let store = FakeBuildStore()
        // Storage has the first five batches, but no result (say the builder was down while they were stored).
        for session in market.sessions[..<5] {
            let batch = market.batches[session]!
            await store.put(session, batchID: batch.batchID, rows: batch.rows, actions: batch.actions)
        }
        let plan = try await arrive(market.sessions[5], in: market, store: store)
        #expect(plan.results.map(\.date) == Array(market.sessions[...5]))
        for session in market.sessions[6...] { try await arrive(session, in: market, store: store) }
        #expect(await store.snapshot() == market.reference(calculator))
    }

    @Test("a build starts at the earliest session before it whose result is missing or stale")
    func repairsEarlierSessions() async throws {
        let market = SimulatedMarket()
        let store = FakeBuildStore()
        for session in market.sessions { try await arrive(session, in: market, store: store) }
        // Session 2's result is lost and session 4 has a new batch whose build never ran; session 3 is intact.
        await store.drop(market.sessions[2])
        let date = market.sessions[4]
        let corrected = market.replacing(date, batchID: "\(date)-v2", rows: Array(market.batches[date]!.rows.prefix(3)))
        await store.put(date, batchID: "\(date)-v2", rows: corrected.batches[date]!.rows)
        let plan = try await arrive(market.sessions[6], in: corrected, store: store)
        #expect(plan.results.first?.date == market.sessions[2])
        #expect(plan.results.contains { $0.date == market.sessions[4] })
        #expect(await store.snapshot() == corrected.reference(calculator))
    }

    @Test("a build goes on past unchanged sessions while a later one still needs work")
    func repairsLaterSessions() async throws {
        let market = SimulatedMarket()
        let store = FakeBuildStore()
        for session in market.sessions { try await arrive(session, in: market, store: store) }
        await store.drop(market.sessions[9])
        let plan = try await arrive(market.sessions[3], in: market, store: store)
        #expect(plan.results.map(\.date) == [market.sessions[9]])
        #expect(await store.snapshot() == market.reference(calculator))
    }

    @Test("a rebuild repairs a plan that was stored only in part")
    func rebuildRepairsPartialPlan() async throws {
        let market = SimulatedMarket()
        let date = market.sessions[1]
        let rows = market.batches[date]!.rows.map { row in
            var row = row
            row.close *= 0.95
            return row
        }
        let corrected = market.replacing(date, batchID: "\(date)-v2", rows: rows)
        let store = FakeBuildStore()
        for session in market.sessions { try await arrive(session, in: market, store: store) }
        let batch = corrected.batches[date]!
        await store.put(date, batchID: batch.batchID, rows: batch.rows, actions: batch.actions)
        let plan = try await engine.build(
            arrived: date, batchID: batch.batchID, rows: batch.rows, actions: batch.actions, store: store)
        #expect(plan.results.count > 3)
        await store.apply(plan.results.prefix(2))  // the publisher stopped after two results
        #expect(await store.snapshot() != corrected.reference(calculator))
        let repaired = try await arrive(date, in: corrected, store: store, mode: .rebuild)
        #expect(repaired.results.map(\.date) == plan.results.dropFirst(2).map(\.date))
        #expect(await store.snapshot() == corrected.reference(calculator))
    }

    @Test("a rebuild recomputes the whole series from the base, whatever is stored")
    func rebuildTrustsNothing() async throws {
        let market = SimulatedMarket()
        let store = FakeBuildStore()
        for session in market.sessions { try await arrive(session, in: market, store: store) }
        // A result that claims to come from its batch, but with a wrong level: only a rebuild can tell.
        var tampered = try #require(await store.storedResult(on: market.sessions[1]))
        tampered.level += 1
        await store.apply([tampered][...])
        let incremental = try await arrive(market.sessions[8], in: market, store: store)
        #expect(incremental.results.isEmpty)
        let rebuilt = try await arrive(market.sessions[8], in: market, store: store, mode: .rebuild)
        #expect(rebuilt.results.map(\.date) == [market.sessions[1]])
        #expect(await store.snapshot() == market.reference(calculator))
    }

    @Test("the arrived batch counts for its date even when storage still holds an older one")
    func arrivedBatchWins() async throws {
        let market = SimulatedMarket()
        let date = market.sessions[4]
        let corrected = market.replacing(date, batchID: "\(date)-v2", rows: Array(market.batches[date]!.rows.prefix(2)))
        let store = FakeBuildStore()
        for session in market.sessions { try await arrive(session, in: market, store: store) }
        try await arrive(date, in: corrected, store: store, storedFirst: false)
        #expect(await store.snapshot() == corrected.reference(calculator))
    }
}
