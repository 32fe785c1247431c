import Contracts
import Foundation
import IndexBuilderService
import Methodology
import Pipeline
import Synchronization
import TestSupport
import Testing
import TradingCalendar

/// An added definition's history built by the stage in bulk, over fakes with a small payload limit.
@Suite("Build stage: an added definition's history in bulk")
struct DefinitionHistoryTests {
    /// A stored market: 30 sessions of 12 stocks; the 11th session has no valid row; a split and a special
    /// dividend.
    struct Market {
        var sessions: [SessionRows] = []
        var actions: [ValidatedAction] = []

        init() {
            let dates = Array(
                NYSECalendar.standard.sessions(from: SessionDate("2024-01-02")!, to: SessionDate("2024-12-31")!)
                    .prefix(30))
            for (day, date) in dates.enumerated() {
                var rows: [ValidRow] = []
                for stock in 0..<12 where day != 10 {
                    let close = 10 + Double((stock * 7 + day * 3) % 11) + Double(stock) / 8
                    let cap = close * Double(1_000 + (stock * 37 + day * 11) % 200)
                    rows.append(
                        ValidRow(
                            ticker: "S\(stock)", open: nil, high: nil, low: nil, close: close, volume: nil,
                            marketCap: cap))
                }
                sessions.append(SessionRows(date: date, batchID: "\(date)-b", rows: rows))
            }
            actions = [
                ValidatedAction(
                    action: CorporateAction(date: dates[5], ticker: "S3", kind: .split, value: 2), rejection: nil),
                ValidatedAction(
                    action: CorporateAction(date: dates[8], ticker: "S5", kind: .specialDividend, value: 0.75),
                    rejection: nil),
            ]
        }

        var records: [SessionRecord] {
            sessions.map {
                SessionRecord(
                    date: $0.date, batchID: $0.batchID, source: "test", receivedRows: $0.rows.count,
                    validRows: $0.rows.count, rejectedRows: 0, indexBatchID: nil
                )
            }
        }
    }

    /// The market as the engine reads it, for the per-session reference.
    actor MarketStore: BuildStore {
        let market: Market

        init(_ market: Market) { self.market = market }

        func sessionRecords(from start: SessionDate, to end: SessionDate) -> [SessionRecord] {
            market.records.filter { start <= $0.date && $0.date <= end }
        }

        func storedResult(on date: SessionDate) -> IndexResult? { nil }

        func rows(on date: SessionDate) -> (batchID: String, rows: [ValidRow])? {
            market.sessions.first { $0.date == date }.map { ($0.batchID, $0.rows) }
        }

        func stocks(on date: SessionDate) -> [StockInfo] { [] }

        func actions(after: SessionDate, through: SessionDate) -> [AcceptedAction] {
            market.actions.compactMap(AcceptedAction.init).filter { after < $0.date && $0.date <= through }
        }
    }

    /// Storage answering for `definition` (added, its job `job-1`) over `market`: its definition, no stored result,
    /// the market's actions. The test adds the sessions, the rows and the history writes.
    static func storage(_ market: Market, _ definition: IndexDefinition) -> FakeStorage {
        let storage = FakeStorage()
        storage.on(IndexResultQuery.self) { _ in IndexResultReply(result: nil) }
        storage.on(DefinitionsQuery.self) { _ in
            DefinitionsReply(definitions: [StoredDefinition(definition: definition, builtIn: false, jobID: "job-1")])
        }
        storage.on(CorporateActionsQuery.self) { query in
            CorporateActionsReply(actions: market.actions.filter { query.range.contains($0.action.date) })
        }
        return storage
    }

    /// ``storage(_:_:)`` with the whole market stored: its session records, and its rows in pages.
    static func storedMarket(_ market: Market, _ definition: IndexDefinition) -> FakeStorage {
        let storage = Self.storage(market, definition)
        storage.on(SessionsQuery.self) { _ in SessionsReply(sessions: market.records) }
        storage.on(SessionRowsQuery.self) { query in
            SessionRowsReply.page(
                market.sessions.filter { query.range.contains($0.date) }, maxBytes: query.maxBytes, rest: nil)
        }
        return storage
    }

    /// The queued job `job-1` of `definition`, over the market's first `sessions` sessions.
    static func job(_ market: Market, _ definition: IndexDefinition, sessions: Int) -> JobRecord {
        let now = Date()
        return JobRecord(
            id: "job-1", index: definition.id, status: .queued, startDate: market.sessions[0].date,
            endDate: market.sessions[sessions - 1].date, replayStart: market.sessions[0].date,
            replayEnd: market.sessions[sessions - 1].date, sessionsTotal: 0, sessionsDone: 0, refetch: false,
            createdAt: now, updatedAt: now, kind: .definition
        )
    }

    /// A stage computing `ew100` (size 2) that follows added definitions, `job` as their job's state.
    static func stage(_ publisher: FakePublisher, _ storage: FakeStorage, job: JobRecord) -> BuildStage {
        BuildStage(
            publisher: publisher, storage: storage, probe: FakeProbe(),
            calculators: [IndexCalculator(index: "ew100", size: 2)], logger: .stage, addedDefinitions: true,
            loadJob: { _ in job }
        )
    }

    @Test("many pages and commands: the series and events of the per-session engine, the job succeeded")
    func bulkEqualsEngine() async throws {
        let market = Market()
        let definition = IndexDefinition(id: "top4", size: 4, rebalance: .weekly)
        let commands = Mutex<[StoreHistoryCommand]>([])
        let storage = Self.storedMarket(market, definition)
        storage.on(StoreHistoryCommand.self) { command in
            commands.withLock { $0.append(command) }
            return StoreHistoryReply(stored: command.results.count)
        }
        // About four sessions of rows per page, a few results per command (a job state still fits).
        let publisher = FakePublisher(payloadLimit: 1_000)
        let stage = Self.stage(publisher, storage, job: Self.job(market, definition, sessions: 30))
        try await stage.syncDefinitions()

        let engine = IndexBuildEngine(calculator: IndexCalculator(definition: definition))
        let last = market.sessions[29]
        let expected = try await engine.build(
            arrived: last.date, batchID: last.batchID, rows: last.rows,
            actions: market.actions.compactMap(AcceptedAction.init).filter { $0.date == last.date },
            store: MarketStore(market)
        ).results
        #expect(expected.count == 29)
        let written = commands.withLock { $0 }
        #expect(written.count > 3)
        #expect(storage.asked.filter { $0 == .sessionRows }.count > 5)
        #expect(!storage.asked.contains(.sessionPrices))
        #expect(written.flatMap(\.results) == expected)
        #expect(
            written.flatMap(\.results).map(\.level.bitPattern) == expected.map(\.level.bitPattern))
        let calculator = IndexCalculator(definition: definition)
        #expect(written.flatMap(\.events) == expected.compactMap(calculator.compositionEvent))
        // Consecutive ranges over the whole calendar: whatever was stored before is replaced.
        #expect(written.first?.range.start == NYSECalendar.coverage.lowerBound)
        #expect(written.last?.range.end == NYSECalendar.coverage.upperBound)
        for (earlier, later) in zip(written, written.dropFirst()) {
            #expect(later.range.start == earlier.range.end.adding(days: 1))
        }
        #expect(await stage.indexes == ["ew100", "top4"])
        let states = publisher.published(JobRecord.self)
        #expect(states.first?.status == .running && states.last?.status == .succeeded)
        #expect(states.last?.sessionsDone == 29)
        #expect(publisher.published(IndexResult.self).isEmpty)
        // Stored: the new lane keeps only the latest result in memory.
        #expect(await stage.resultsInMemory == [0, 1])
    }

    @Test("a notice that storage changed the definitions is followed at once, not at the next poll")
    func noticeWakes() async throws {
        let market = Market()
        let definition = IndexDefinition(id: "top4", size: 4)
        let storage = Self.storedMarket(market, definition)
        storage.on(DefinitionsQuery.self) { _ in DefinitionsReply(definitions: []) }
        storage.on(StoreHistoryCommand.self) { StoreHistoryReply(stored: $0.results.count) }
        let stage = Self.stage(
            FakePublisher(payloadLimit: 1_000), storage, job: Self.job(market, definition, sessions: 30))
        let (notices, notify) = AsyncStream<Void>.makeStream()
        // A poll an hour apart: only the notice can bring the definition in within the test.
        let follower = Task { try await stage.followDefinitions(notices: notices, every: .seconds(3_600)) }
        defer { follower.cancel() }
        #expect(await eventually { storage.asked.contains(.definitions) })
        #expect(await stage.indexes == ["ew100"])
        storage.on(DefinitionsQuery.self) { _ in
            DefinitionsReply(definitions: [StoredDefinition(definition: definition, builtIn: false, jobID: "job-1")])
        }
        notify.yield()
        #expect(await eventually { await stage.indexes == ["ew100", "top4"] })
    }

    @Test("a session stored while the history was read in bulk is built for the new lane once it is in place")
    func sessionDuringBulk() async throws {
        let market = Market()
        let definition = IndexDefinition(id: "top4", size: 4)
        // Storage has 29 sessions when the lane's records are read, 30 from the next read on (the 30th was stored
        // during the bulk build, and was built then for the other lanes only).
        let reads = Mutex(0)
        let storage = Self.storage(market, definition)
        storage.on(SessionsQuery.self) { query in
            let read = reads.withLock {
                $0 += 1
                return $0
            }
            let records = query.index == "top4" && read <= 2 ? Array(market.records.prefix(29)) : market.records
            return SessionsReply(sessions: records)
        }
        storage.on(SessionRowsQuery.self) { query in
            SessionRowsReply.page(
                market.sessions.prefix(29).filter { query.range.contains($0.date) }, maxBytes: query.maxBytes,
                rest: nil)
        }
        storage.on(SessionPricesQuery.self) { query in
            let session = market.sessions.first { $0.date == query.date }
            let record = market.records.first { $0.date == query.date }
            return SessionPricesReply(record: record, rows: session?.rows ?? [])
        }
        let written = Mutex<[IndexResult]>([])
        storage.on(StoreHistoryCommand.self) { command in
            written.withLock { $0 += command.results }
            return StoreHistoryReply(stored: command.results.count)
        }
        let publisher = FakePublisher(payloadLimit: 1_000)
        let stage = Self.stage(publisher, storage, job: Self.job(market, definition, sessions: 29))
        try await stage.syncDefinitions()

        let engine = IndexBuildEngine(calculator: IndexCalculator(definition: definition))
        let last = market.sessions[29]
        let expected = try await engine.build(
            arrived: last.date, batchID: last.batchID, rows: last.rows,
            actions: market.actions.compactMap(AcceptedAction.init).filter { $0.date == last.date },
            store: MarketStore(market)
        ).results
        let bulk = written.withLock { $0 }
        #expect(bulk.map(\.date) == expected.dropLast().map(\.date))
        // The 30th session, through the pipeline, as the engine computes it on top of the bulk history.
        let published = publisher.published(IndexResult.self).filter { $0.index == "top4" }
        #expect(published.map(\.date) == [last.date])
        #expect(published.last == expected.last)
        #expect(publisher.published(JobRecord.self).last?.status == .succeeded)
    }
}

/// How a definition's history cuts the stored range into pages.
@Suite("Build stage: the pages of a bulk history read")
struct RowPagesCutTests {
    private func record(_ date: String, rows: Int) -> SessionRecord {
        SessionRecord(
            date: SessionDate(date)!, batchID: "b-\(date)", source: "sim", receivedRows: rows, validRows: rows,
            rejectedRows: 0, indexBatchID: nil, sequence: 1)
    }

    @Test("consecutive ranges covering the whole range, each within the reply's row budget unless one session alone")
    func cuts() {
        // (2000 - 125) / 22 = 85 rows a page.
        let records = [
            record("2024-01-02", rows: 40), record("2024-01-03", rows: 40), record("2024-01-04", rows: 40),
            record("2024-01-05", rows: 0), record("2024-01-08", rows: 200), record("2024-01-09", rows: 10),
        ]
        let range = DateRange(start: SessionDate("2024-01-02")!, end: SessionDate("2024-01-10")!)
        let ranges = RowPages.cut(range, records: records, maxBytes: 2_000)
        #expect(
            ranges == [
                DateRange(start: SessionDate("2024-01-02")!, end: SessionDate("2024-01-03")!),
                DateRange(start: SessionDate("2024-01-04")!, end: SessionDate("2024-01-07")!),
                DateRange(start: SessionDate("2024-01-08")!, end: SessionDate("2024-01-08")!),
                DateRange(start: SessionDate("2024-01-09")!, end: SessionDate("2024-01-10")!),
            ])
    }

    @Test("no records: one range")
    func empty() {
        let range = DateRange(start: SessionDate("2024-01-02")!, end: SessionDate("2024-01-10")!)
        #expect(RowPages.cut(range, records: [], maxBytes: 1_000) == [range])
    }
}
