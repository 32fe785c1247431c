import Contracts
import Foundation
import IndexBuilderService
import Methodology
import Pipeline
import Synchronization
import TestSupport
import Testing
import TradingCalendar

/// The index-builder's memory during a long back-fill: its views keep the results storage may not hold yet, and
/// forget the others, without changing anything published.
@Suite("Build stage memory")
struct BuilderMemoryTests {
    /// The sessions of the runs: 212 NYSE sessions from 2 January 2024.
    static let sessions = Array(
        NYSECalendar.standard.sessions(from: Days.day1, to: Days.day1.adding(days: 400)).prefix(212)
    )

    /// Six tickers whose closes move by a pseudo-random amount each session (`variant` gives other closes), so the
    /// top ones change. `withActions`: every session has a dividend (and every seventh a split) depending on the
    /// variant, and T5 and T4 have no close for stretches of sessions, so members are carried across days whose
    /// actions then count.
    static func batch(_ position: Int, variant: Int = 0, withActions: Bool = false) -> ValidatedBatch {
        let date = sessions[position]
        let rows = (0..<6).compactMap { ticker -> ValidRow? in
            if withActions, ticker >= 4, (position + ticker * 3) % 13 < 4 { return nil }
            let wave = Double((position * 7 + ticker * 13 + variant * 5) % 17) - 8
            return Days.valid("T\(ticker)", 50 + Double(ticker) * 3 + wave * 0.75 + Double(variant))
        }
        var actions: [ValidatedAction] = []
        if withActions {
            let dividend = CorporateAction(
                date: date, ticker: "T\((position + variant) % 6)", kind: .cashDividend,
                value: 0.25 + Double(variant) * 0.5
            )
            actions.append(ValidatedAction(action: dividend, rejection: nil))
            if position % 7 == variant % 7 {
                let split = CorporateAction(date: date, ticker: "T\(5 - position % 3)", kind: .split, value: 2)
                actions.append(ValidatedAction(action: split, rejection: nil))
            }
        }
        return ValidatedBatch(
            batchID: variant == 0 ? "v-\(date)" : "v\(variant)-\(date)", date: date, source: "sim", replay: nil,
            rows: rows, stocks: [], receivedRows: rows.count, rejectedRows: 0, actions: actions
        )
    }

    /// Every field of a result, floating-point values bit for bit.
    static func exact(_ result: IndexResult) -> String {
        let members = result.constituents.map {
            "\($0.ticker)/\($0.rank)/\($0.weight.bitPattern)/\($0.marketCap.bitPattern)/\($0.close.bitPattern)/"
                + "\($0.lastCloseDate.map(\.description) ?? "-")"
        }
        let departures = result.departures.map {
            "\($0.ticker)/\($0.rank.map(String.init) ?? "-")/\($0.marketCap.map { "\($0.bitPattern)" } ?? "-")"
        }
        return [
            result.index, "\(result.date)", result.previousDate.map(\.description) ?? "-", "\(result.level.bitPattern)",
            "\(result.dailyReturn.bitPattern)", members.joined(separator: ","),
            result.previousTickers.joined(separator: ","), departures.joined(separator: ","), result.sourceBatchID,
            result.turnover.map { "\($0.bitPattern)" } ?? "-",
        ].joined(separator: " ")
    }

    /// What a run published and how many results each lane held in memory at its checkpoints.
    struct Run {
        var published: [String] = []
        var afterBackfill: [Int] = []
        var atEnd: [Int] = []
        /// Sessions whose actions each lane's view held after the back-fill and at the end.
        var actionsAfterBackfill: [Int] = []
        var actionsAtEnd: [Int] = []
        /// Results published by the flip back of step C.
        var flippedBack = 0
    }

    /// The same arrivals over a storage that lags behind the builder, or (not `lagging`) stores every result as soon
    /// as it is published; `acknowledging`: whether the probe reports what storage stored (the views may then forget
    /// it), or never (a build without eviction). `withActions`: the sessions have actions and carried members (see
    /// ``batch(_:variant:withActions:)``), and storage stores the batches' actions only as far as it stores results
    /// (half as many sessions behind as results), answering stale ones for a replaced day meanwhile.
    static func run(acknowledging: Bool, lagging: Bool = true, withActions: Bool = false) async throws -> Run {
        let pipeline = LaggingPipeline(acknowledging: acknowledging)
        func store(lagging lag: Int) { pipeline.store(lagging: lagging ? lag : 0) }
        func batch(_ position: Int, variant: Int = 0) -> ValidatedBatch {
            Self.batch(position, variant: variant, withActions: withActions)
        }
        let stage = BuildStage(
            publisher: pipeline.publisher, storage: pipeline.storage, probe: pipeline.probe,
            calculators: [IndexCalculator(index: "ew2", size: 2), IndexCalculator(index: "ew4", size: 4)],
            logger: .stage
        )
        var run = Run()
        // Storage holds the prices of the first 5 sessions, and no result (the views load them as storage's).
        for position in 0..<5 { pipeline.storePrices(batch(position), withActions: true) }
        func arrive(_ batch: ValidatedBatch) async throws {
            let sequence = pipeline.deliverPrices(batch)
            let delivery = try Delivery.fake(batch, sequence: sequence)
            #expect(await stage.handle([delivery.0]).map(Outcome.init) == [.done])
            if !lagging { pipeline.store(lagging: 0) }
        }

        // A. The back-fill: storage 40 results (20 sessions) behind the builder.
        for position in 5..<100 {
            try await arrive(batch(position))
            store(lagging: 40)
        }
        run.afterBackfill = await stage.resultsInMemory
        run.actionsAfterBackfill = await stage.actionDatesInMemory
        // B. Storage catches up; day 10 is replaced (every later session gets a new result), then 20 new sessions
        // arrive; storage stores none of it: it holds the back-fill's results of days 10 to 99.
        store(lagging: 0)
        try await arrive(batch(10, variant: 1))
        for position in 100..<120 { try await arrive(batch(position)) }
        // C. Day 10's first batch comes back: the results of days 10 to 99 become the back-fill's again, which
        // storage holds, stale; storage has none of days 100 to 119.
        let before = pipeline.publisher.published(IndexResult.self).count
        try await arrive(batch(10))
        run.flippedBack = pipeline.publisher.published(IndexResult.self).count - before
        // D. 40 new sessions, storage keeping up with the first 36: the views forget the results of step C.
        for position in 120..<160 {
            try await arrive(batch(position))
            if position < 156 { store(lagging: 0) }
        }
        // E. Day 50 is replaced: storage holds days 50 to 155, not 156 to 159. Then day 3, after days storage had
        // no result for when the views were loaded.
        try await arrive(batch(50, variant: 2))
        try await arrive(batch(3, variant: 4))
        // F. The last sessions arrive with storage 30 results (15 sessions) behind, then day 170 is replaced and
        // comes back.
        for position in 160..<180 {
            try await arrive(batch(position))
            store(lagging: 30)
        }
        try await arrive(batch(170, variant: 3))
        try await arrive(batch(170))
        // G. Storage catches up and keeps up with 32 new sessions.
        store(lagging: 0)
        for position in 180..<212 {
            try await arrive(batch(position))
            store(lagging: 0)
        }
        run.published = pipeline.publisher.published(IndexResult.self).map(exact)
        run.atEnd = await stage.resultsInMemory
        run.actionsAtEnd = await stage.actionDatesInMemory
        return run
    }

    @Test("a view forgets the results storage holds, and keeps every one it may not hold yet")
    func resultsInMemoryBounded() async throws {
        let bounded = try await Self.run(acknowledging: true)
        let unbounded = try await Self.run(acknowledging: false)
        // Without acknowledgements nothing is forgotten: every session, in each lane.
        #expect(unbounded.afterBackfill == [100, 100])
        #expect(unbounded.atEnd == [212, 212])
        // With them, storage 20 sessions behind: those, and those since the look at storage's progress that
        // confirmed (one every 32 results over both lanes, 16 sessions; one in two fails while storage lags by more
        // than 16 sessions), and at most 8 more.
        #expect(bounded.afterBackfill.allSatisfy { $0 <= 20 + 2 * 16 + 8 }, "\(bounded.afterBackfill)")
        // Storage keeping up: the sessions since the last confirmed look, and at most 8 + 1 more.
        #expect(bounded.atEnd.allSatisfy { $0 <= 2 * 16 + 9 }, "\(bounded.atEnd)")
    }

    /// Runs acknowledging, lagging or both, and expects each to publish exactly what `reference` did.
    static func expectSamePublished(as reference: Run, withActions: Bool = false) async throws {
        for (acknowledging, lagging) in [(true, false), (true, true), (false, true)] {
            let other = try await Self.run(acknowledging: acknowledging, lagging: lagging, withActions: withActions)
            #expect(other.flippedBack == reference.flippedBack)
            #expect(other.published.count == reference.published.count)
            for (position, (lhs, rhs)) in zip(other.published, reference.published).enumerated() where lhs != rhs {
                Issue.record(
                    "result \(position) differs (acknowledging: \(acknowledging), lagging: \(lagging)):\n\(lhs)\n\(rhs)"
                )
                break
            }
        }
    }

    @Test("results forgotten while storage lags or answers stale ones change nothing published")
    func evictionPublishesTheSame() async throws {
        // What the builder publishes without forgetting anything, over storage that never lags.
        let reference = try await Self.run(acknowledging: false, lagging: false)
        // The flip back publishes every session from day 10 on in both lanes: storage's stale copies (equal to the
        // new results) must not stop it.
        #expect(reference.flippedBack == 2 * 110)
        try await Self.expectSamePublished(as: reference)
    }

    @Test("a view forgets the actions storage holds, and keeps those of every arrival it may not hold yet")
    func actionsInMemoryBounded() async throws {
        let bounded = try await Self.run(acknowledging: true, withActions: true)
        let unbounded = try await Self.run(acknowledging: false, withActions: true)
        // Without acknowledgements every session's actions stay: the 207 arrived and those read from storage.
        #expect(unbounded.actionsAfterBackfill.allSatisfy { $0 >= 95 }, "\(unbounded.actionsAfterBackfill)")
        #expect(unbounded.actionsAtEnd.allSatisfy { $0 >= 207 }, "\(unbounded.actionsAtEnd)")
        // With them, storage 20 sessions behind: those, the sessions since the look that confirmed (16, or 32 when
        // one in two fails), and those read from storage since (carried members reach back at most 12 sessions).
        #expect(bounded.actionsAfterBackfill.allSatisfy { $0 <= 20 + 2 * 16 + 12 }, "\(bounded.actionsAfterBackfill)")
        #expect(bounded.actionsAtEnd.allSatisfy { $0 <= 2 * 16 + 12 }, "\(bounded.actionsAtEnd)")
    }

    @Test("actions forgotten while storage lags or answers stale ones change nothing published")
    func actionEvictionPublishesTheSame() async throws {
        let reference = try await Self.run(acknowledging: false, lagging: false, withActions: true)
        // The actions count: the same arrivals without them publish other levels.
        let plain = try await Self.run(acknowledging: false, lagging: false)
        #expect(plain.published != reference.published)
        try await Self.expectSamePublished(as: reference, withActions: true)
    }
}

/// A publisher, storage and probe in memory over one index stream: storage stores the results published (in stream
/// order, so the newest of a date wins) only as far as told, and answers from what it stored; prices are stored as
/// they arrive.
final class LaggingPipeline: Sendable {
    private struct State {
        var stream: [IndexResult] = []
        var storedThrough = 0
        var results: [String: [SessionDate: IndexResult]] = [:]
        var prices: [SessionDate: ValidatedBatch] = [:]
        /// The validated-prices stream (sequence: position + 1) and how far storage stored its actions.
        var pricesStream: [ValidatedBatch] = []
        var pricesStoredThrough = 0
        var actions: [SessionDate: [ValidatedAction]] = [:]
    }

    let publisher = FakePublisher()
    let storage = FakeStorage()
    let probe = FakeProbe()
    private let state = Mutex(State())

    /// `acknowledging`: whether the probe reports storage's progress (otherwise nothing is ever acknowledged).
    init(acknowledging: Bool) {
        publisher.onPublish { [self] message in
            if let result = message as? IndexResult { state.withLock { $0.stream.append(result) } }
        }
        storage.on(SessionsQuery.self) { [self] query in
            let records = state.withLock { state in
                state.prices.values.sorted { $0.date < $1.date }.map { batch in
                    Self.record(batch, indexBatchID: state.results[query.index]?[batch.date]?.sourceBatchID)
                }
            }
            return SessionsReply(sessions: records)
        }
        storage.on(CorporateActionsQuery.self) { [self] query in
            let actions = state.withLock { state in
                state.actions.filter { query.range.start <= $0.key && $0.key <= query.range.end }
                    .sorted { $0.key < $1.key }.flatMap(\.value)
            }
            return CorporateActionsReply(actions: actions)
        }
        storage.on(IndexResultQuery.self) { [self] query in
            IndexResultReply(result: state.withLock { $0.results[query.index]?[query.date] })
        }
        storage.on(SessionPricesQuery.self) { [self] query in
            guard let batch = state.withLock({ $0.prices[query.date] }) else {
                return SessionPricesReply(record: nil, rows: [])
            }
            return SessionPricesReply(record: Self.record(batch, indexBatchID: nil), rows: batch.rows)
        }
        probe.answerSequences(
            last: { [self] stream in
                UInt64(state.withLock { stream == StreamName.pricesValid ? $0.pricesStream.count : $0.stream.count })
            },
            acknowledged: { [self] consumer in
                guard acknowledging else { return 0 }
                return UInt64(
                    state.withLock {
                        consumer == ConsumerName.storagePrices ? $0.pricesStoredThrough : $0.storedThrough
                    })
            }
        )
    }

    /// The session record of a stored batch.
    private static func record(_ batch: ValidatedBatch, indexBatchID: String?) -> SessionRecord {
        SessionRecord(
            date: batch.date, batchID: batch.batchID, source: batch.source, receivedRows: batch.receivedRows,
            validRows: batch.rows.count, rejectedRows: batch.rejectedRows, indexBatchID: indexBatchID
        )
    }

    /// Stores a batch's prices (storage keeps up with rows in these runs), and its actions when told.
    func storePrices(_ batch: ValidatedBatch, withActions: Bool = false) {
        state.withLock {
            $0.prices[batch.date] = batch
            if withActions { $0.actions[batch.date] = batch.actions }
        }
    }

    /// Publishes a batch on the validated-prices stream, storing its prices (not its actions); its sequence.
    func deliverPrices(_ batch: ValidatedBatch) -> UInt64 {
        state.withLock {
            $0.prices[batch.date] = batch
            $0.pricesStream.append(batch)
            return UInt64($0.pricesStream.count)
        }
    }

    /// Stores the results published so far but the last `lagging`, in stream order.
    func store(lagging: Int) {
        state.withLock { state in
            let through = max(state.storedThrough, state.stream.count - lagging)
            for result in state.stream[state.storedThrough..<through] {
                state.results[result.index, default: [:]][result.date] = result.isRetraction ? nil : result
            }
            state.storedThrough = through
            // The batches' actions, half as many sessions behind as results (two lanes).
            let pricesThrough = max(state.pricesStoredThrough, state.pricesStream.count - lagging / 2)
            for batch in state.pricesStream[state.pricesStoredThrough..<pricesThrough] {
                state.actions[batch.date] = batch.actions
            }
            state.pricesStoredThrough = pricesThrough
        }
    }
}
