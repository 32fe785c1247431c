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
    /// top ones change.
    static func batch(_ position: Int, variant: Int = 0) -> ValidatedBatch {
        let date = sessions[position]
        let rows = (0..<6).map { ticker in
            let wave = Double((position * 7 + ticker * 13 + variant * 5) % 17) - 8
            return Days.valid("T\(ticker)", 50 + Double(ticker) * 3 + wave * 0.75 + Double(variant))
        }
        return ValidatedBatch(
            batchID: variant == 0 ? "v-\(date)" : "v\(variant)-\(date)", date: date, source: "sim", replay: nil,
            rows: rows, stocks: [], receivedRows: rows.count, rejectedRows: 0
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
        /// Results published by the flip back of step C.
        var flippedBack = 0
    }

    /// The same arrivals over a storage that lags behind the builder, or (not `lagging`) stores every result as soon
    /// as it is published; `acknowledging`: whether the probe reports what storage stored (the views may then forget
    /// it), or never (a build without eviction).
    static func run(acknowledging: Bool, lagging: Bool = true) async throws -> Run {
        let pipeline = LaggingPipeline(acknowledging: acknowledging)
        func store(lagging lag: Int) { pipeline.store(lagging: lagging ? lag : 0) }
        let stage = BuildStage(
            publisher: pipeline.publisher, storage: pipeline.storage, probe: pipeline.probe,
            calculators: [IndexCalculator(index: "ew2", size: 2), IndexCalculator(index: "ew4", size: 4)],
            logger: .stage
        )
        var run = Run()
        // Storage holds the prices of the first 5 sessions, and no result (the views load them as storage's).
        for position in 0..<5 { pipeline.storePrices(batch(position)) }
        var sequence: UInt64 = 0
        func arrive(_ batch: ValidatedBatch) async throws {
            sequence += 1
            pipeline.storePrices(batch)
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

    @Test("results forgotten while storage lags or answers stale ones change nothing published")
    func evictionPublishesTheSame() async throws {
        // What the builder publishes without forgetting anything, over storage that never lags.
        let reference = try await Self.run(acknowledging: false, lagging: false)
        // The flip back publishes every session from day 10 on in both lanes: storage's stale copies (equal to the
        // new results) must not stop it.
        #expect(reference.flippedBack == 2 * 110)
        for (acknowledging, lagging) in [(true, false), (true, true), (false, true)] {
            let run = try await Self.run(acknowledging: acknowledging, lagging: lagging)
            #expect(run.flippedBack == reference.flippedBack)
            #expect(run.published.count == reference.published.count)
            for (position, (lhs, rhs)) in zip(run.published, reference.published).enumerated() where lhs != rhs {
                Issue.record(
                    "result \(position) differs (acknowledging: \(acknowledging), lagging: \(lagging)):\n\(lhs)\n\(rhs)"
                )
                break
            }
        }
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
        storage.on(CorporateActionsQuery.self) { _ in CorporateActionsReply(actions: []) }
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
            last: { [self] _ in UInt64(state.withLock { $0.stream.count }) },
            acknowledged: { [self] _ in acknowledging ? UInt64(state.withLock { $0.storedThrough }) : 0 }
        )
    }

    /// The session record of a stored batch.
    private static func record(_ batch: ValidatedBatch, indexBatchID: String?) -> SessionRecord {
        SessionRecord(
            date: batch.date, batchID: batch.batchID, source: batch.source, receivedRows: batch.receivedRows,
            validRows: batch.rows.count, rejectedRows: batch.rejectedRows, indexBatchID: indexBatchID
        )
    }

    /// Stores a batch's prices (storage keeps up with prices in these runs).
    func storePrices(_ batch: ValidatedBatch) {
        state.withLock { $0.prices[batch.date] = batch }
    }

    /// Stores the results published so far but the last `lagging`, in stream order.
    func store(lagging: Int) {
        state.withLock { state in
            let through = max(state.storedThrough, state.stream.count - lagging)
            for result in state.stream[state.storedThrough..<through] {
                state.results[result.index, default: [:]][result.date] = result.isRetraction ? nil : result
            }
            state.storedThrough = through
        }
    }
}
