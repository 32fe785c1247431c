import Contracts
import Foundation
import IndexBuilderService
import Methodology
import Pipeline
import Synchronization
import TestSupport
import Testing
import TradingCalendar

/// The index-builder's stage against the in-memory pipeline: held sessions, replays, redeliveries.
@Suite("Build stage over fakes")
struct BuildStageTests {
    /// Storage holding nothing yet.
    static func emptyStorage() -> FakeStorage {
        let storage = FakeStorage()
        storage.on(SessionsQuery.self) { _ in SessionsReply(sessions: []) }
        storage.on(IndexResultQuery.self) { _ in IndexResultReply(result: nil) }
        storage.on(SessionPricesQuery.self) { _ in SessionPricesReply(record: nil, rows: []) }
        storage.on(CorporateActionsQuery.self) { _ in CorporateActionsReply(actions: []) }
        return storage
    }

    static func stage(_ publisher: FakePublisher, storage: FakeStorage = emptyStorage()) -> BuildStage {
        BuildStage(
            publisher: publisher, storage: storage, probe: FakeProbe(),
            calculators: [IndexCalculator(index: "ew100", size: 2)], logger: .stage
        )
    }

    @Test("a session arriving before the one it follows is held, then built and acknowledged when the gap fills")
    func heldSession() async throws {
        let publisher = FakePublisher()
        let stage = Self.stage(publisher)
        let first = try Delivery.fake(Days.validated(Days.day1, a: 10, b: 20), sequence: 1)
        let third = try Delivery.fake(Days.validated(Days.day3, a: 11, b: 22), sequence: 2)
        let second = try Delivery.fake(Days.validated(Days.day2, a: 11, b: 20), sequence: 3)

        #expect(await stage.handle([first.0]).map(Outcome.init) == [.done])
        #expect(await stage.handle([third.0]).map(Outcome.init) == [.deferred])
        #expect(await stage.heldSessions == [Days.day3])
        #expect(third.1.ending == nil)
        #expect(publisher.published(IndexResult.self).map(\.date) == [Days.day1])

        #expect(await stage.handle([second.0]).map(Outcome.init) == [.done])
        #expect(await stage.heldSessions.isEmpty)
        #expect(third.1.ending == .acked)
        // By hand: day 2 A +10 %, B 0 % -> +5 %; day 3 A 0 %, B +10 % -> +5 %.
        let results = publisher.published(IndexResult.self)
        #expect(results.map(\.date) == [Days.day1, Days.day2, Days.day3])
        #expect(results.map(\.level) == [1000, 1050, 1102.5])
        // The mean of the price relatives less one, in binary floating point as the methodology computes it.
        #expect(results.map(\.dailyReturn) == [0, (1.1 + 1.0) / 2 - 1, (1.0 + 1.1) / 2 - 1])
        #expect(results.map(\.previousDate) == [nil, Days.day1, Days.day2])
    }

    @Test("new sessions build without asking storage for their prices or for a result it cannot hold yet")
    func newSessionsAskNothing() async throws {
        let publisher = FakePublisher()
        let storage = Self.emptyStorage()
        let stage = Self.stage(publisher, storage: storage)
        let days = [
            Days.validated(Days.day1, a: 10, b: 20), Days.validated(Days.day2, a: 11, b: 20),
            Days.validated(Days.day3, a: 11, b: 22),
        ]
        for (sequence, batch) in days.enumerated() {
            #expect(
                await stage.handle([try Delivery.fake(batch, sequence: UInt64(sequence + 1)).0]).map(Outcome.init) == [
                    .done
                ])
        }
        // Storage (empty here) is never asked for a session's prices (the engine keeps the previous closes), nor
        // for a stored result of a date it had no session of.
        #expect(!storage.asked.contains(.sessionPrices))
        #expect(!storage.asked.contains(.indexResult))
        // By hand: day 2 A +10 %, B 0 % -> +5 %; day 3 A 0 %, B +10 % -> +5 %.
        #expect(publisher.published(IndexResult.self).map(\.level) == [1000, 1050, 1102.5])
    }

    @Test("a replay's mark travels on the results it causes")
    func replayMark() async throws {
        let publisher = FakePublisher()
        let stage = Self.stage(publisher)
        let mark = ReplayMark(replayID: "backfill-1", refetched: true)
        let delivery = try Delivery.fake(Days.validated(Days.day1, a: 10, b: 20, replay: mark))
        #expect(await stage.handle([delivery.0]).map(Outcome.init) == [.done])
        #expect(publisher.published(IndexResult.self).map(\.replay) == [mark])
    }

    @Test("an older redelivery of a day after a newer batch is acknowledged and changes nothing")
    func olderRedelivery() async throws {
        let publisher = FakePublisher()
        let stage = Self.stage(publisher)
        let newer = try Delivery.fake(Days.validated(Days.day1, a: 10, b: 20), sequence: 5)
        var olderBatch = Days.validated(Days.day1, a: 99, b: 99)
        olderBatch.batchID = "older"
        let older = try Delivery.fake(olderBatch, sequence: 3, deliveries: 2)
        #expect(await stage.handle([newer.0, older.0]).map(Outcome.init) == [.done, .done])
        #expect(publisher.published(IndexResult.self).count == 1)
        #expect(publisher.published(IndexResult.self).first?.sourceBatchID == "v-2024-01-02")
    }

    @Test("a non-session date is acknowledged with nothing built")
    func notASession() async throws {
        let publisher = FakePublisher()
        let stage = Self.stage(publisher)
        let weekend = try Delivery.fake(Days.validated(Days.saturday, a: 10, b: 20))
        #expect(await stage.handle([weekend.0]).map(Outcome.init) == [.done])
        #expect(publisher.messages.isEmpty)
    }

    @Test("a result that cannot be published fails the delivery, and its redelivery builds it")
    func publishFailure() async throws {
        let publisher = FakePublisher()
        let stage = Self.stage(publisher)
        publisher.fail(with: PipelineError.unavailable(dependency: "NATS JetStream", reason: "down"))
        let first = try Delivery.fake(Days.validated(Days.day1, a: 10, b: 20))
        #expect(await stage.handle([first.0]).map(Outcome.init) == [.failed])
        publisher.fail(with: nil)
        let again = try Delivery.fake(Days.validated(Days.day1, a: 10, b: 20), deliveries: 2)
        #expect(await stage.handle([again.0]).map(Outcome.init) == [.done])
        #expect(publisher.published(IndexResult.self).map(\.level) == [1000])
    }

    @Test("every built-in index is built from one arrival: a split is no return, a dividend counts for total return")
    func priceAndTotalReturn() async throws {
        let publisher = FakePublisher()
        let stage = BuildStage(
            publisher: publisher, storage: Self.emptyStorage(), probe: FakeProbe(),
            calculators: IndexDefinition.builtIn(size: 2).map(IndexCalculator.init), logger: .stage
        )
        var second = Days.validated(Days.day2, a: 5.5, b: 19)
        second.actions = [
            ValidatedAction(
                action: CorporateAction(date: Days.day2, ticker: "A", kind: "split", value: 2), rejection: nil),
            ValidatedAction(
                action: CorporateAction(date: Days.day2, ticker: "B", kind: "cash_dividend", value: 1), rejection: nil),
            // Rejected actions never count.
            ValidatedAction(
                action: CorporateAction(date: Days.day2, ticker: "B", kind: "special_dividend", value: 5),
                rejection: .duplicate),
        ]
        for (sequence, batch) in [Days.validated(Days.day1, a: 10, b: 20), second].enumerated() {
            let delivery = try Delivery.fake(batch, sequence: UInt64(sequence + 1))
            #expect(await stage.handle([delivery.0]).map(Outcome.init) == [.done])
        }
        let results = publisher.published(IndexResult.self).filter { $0.date == Days.day2 }
        let price = try #require(results.first { $0.index == "ew100" })
        let total = try #require(results.first { $0.index == "ew100-tr" })
        // By hand: A 2-for-1 then 5.5 -> 5.5 * 2 / 10 - 1 = +10 %; B 19 / 20 - 1 = -5 % (price) and
        // (19 + 1) / 20 - 1 = 0 % (total).
        #expect(price.dailyReturn == ((5.5 * 2) / 10 - 1 + (19.0 / 20 - 1)) / 2)
        #expect(total.dailyReturn == ((5.5 * 2) / 10 - 1 + (20.0 / 20 - 1)) / 2)
        #expect(abs(price.level - 1025) < 1e-9)
        #expect(abs(total.level - 1050) < 1e-9)
    }

    @Test("a split dated on a session without valid rows counts at the next index session, also when it comes late")
    func actionOnEmptySession() async throws {
        let publisher = FakePublisher()
        let storage = Self.emptyStorage()
        // Day 3 as storage has it once stored (the stage forgets an arrival's rows after building it).
        let third = Days.validated(Days.day3, a: 2.5, b: 20)
        storage.on(SessionPricesQuery.self) { query in
            guard query.date == Days.day3 else { return SessionPricesReply(record: nil, rows: []) }
            let record = SessionRecord(
                date: Days.day3, batchID: third.batchID, source: "sim", receivedRows: 2, validRows: 2, rejectedRows: 0,
                indexBatchID: nil, sequence: 2)
            return SessionPricesReply(record: record, rows: third.rows)
        }
        let stage = Self.stage(publisher, storage: storage)
        var empty = Days.validated(Days.day2, a: 1, b: 1)
        empty.rows = []
        empty.actions = [
            ValidatedAction(
                action: CorporateAction(date: Days.day2, ticker: "A", kind: "split", value: 4), rejection: nil)
        ]
        let deliveries = [Days.validated(Days.day1, a: 10, b: 20), third]
        for (sequence, batch) in deliveries.enumerated() {
            _ = await stage.handle([try Delivery.fake(batch, sequence: UInt64(sequence + 1)).0])
        }
        // Day 2 unknown: day 3 waits for it.
        #expect(publisher.published(IndexResult.self).map(\.date) == [Days.day1])
        _ = await stage.handle([try Delivery.fake(empty, sequence: 3).0])
        let day3 = try #require(publisher.published(IndexResult.self).last { $0.date == Days.day3 })
        #expect(day3.previousDate == Days.day1)
        #expect(day3.dailyReturn == ((2.5 * 4) / 10 - 1 + (20.0 / 20 - 1)) / 2)  // 0: the split is no return

        // The day replaced without the split: day 3 is recomputed, and A has lost 75 %.
        empty.batchID = "v-2024-01-03-again"
        empty.actions = []
        _ = await stage.handle([try Delivery.fake(empty, sequence: 4).0])
        let again = try #require(publisher.published(IndexResult.self).last { $0.date == Days.day3 })
        #expect(again.dailyReturn == (2.5 / 10 - 1 + (20.0 / 20 - 1)) / 2)
    }

    @Test("an arrival while the views load at start shares that load, so a later, earlier arrival recomputes it")
    func oneViewLoad() async throws {
        let publisher = FakePublisher()
        let storage = Self.emptyStorage()
        storage.on(DefinitionsQuery.self) { _ in DefinitionsReply(definitions: []) }
        // Day 2 as storage has it once stored (the stage forgets an arrival's rows after building it).
        let secondBatch = Days.validated(Days.day2, a: 11, b: 20)
        storage.on(SessionPricesQuery.self) { query in
            guard query.date == Days.day2 else { return SessionPricesReply(record: nil, rows: []) }
            let record = SessionRecord(
                date: Days.day2, batchID: secondBatch.batchID, source: "sim", receivedRows: 2, validRows: 2,
                rejectedRows: 0, indexBatchID: secondBatch.batchID, sequence: 1)
            return SessionPricesReply(record: record, rows: secondBatch.rows)
        }
        let probe = GatedProbe()
        let stage = BuildStage(
            publisher: publisher, storage: storage, probe: probe,
            calculators: [IndexCalculator(index: "ew100", size: 2)], logger: .stage, addedDefinitions: true
        )
        // The definitions' first sync starts loading the views: it waits for storage's index consumer.
        let sync = Task { try await stage.syncDefinitions() }
        #expect(await eventually { probe.calls == 1 })
        // Day 2 arrives meanwhile. A second, separate load (what the stage did before) would ask the probe again and
        // finish first: the wait gives it the time to, and costs half a second when there is none.
        let second = try Delivery.fake(secondBatch, sequence: 1)
        let handled = Task { await stage.handle([second.0]).map(Outcome.init) }
        _ = await eventually(timeout: .milliseconds(500)) { probe.calls > 1 }
        probe.open()
        #expect(await handled.value == [.done])
        try await sync.value
        #expect(probe.calls == 1)

        // Day 1 arrives late: it becomes the base and day 2 is recomputed from it (by hand: A +10 %, B 0 % -> +5 %).
        let first = try Delivery.fake(Days.validated(Days.day1, a: 10, b: 20), sequence: 2)
        #expect(await stage.handle([first.0]).map(Outcome.init) == [.done])
        let results = publisher.published(IndexResult.self)
        #expect(results.map(\.date) == [Days.day2, Days.day1, Days.day2])
        #expect(results.last?.previousDate == Days.day1)
        #expect(results.last?.level == 1000 * (1 + ((1.1 + 1.0) / 2 - 1)))
    }
}

/// A probe whose first `isIdle` waits until ``open()``; it counts the calls.
final class GatedProbe: PipelineProbe {
    private struct State {
        var calls = 0
        var opened = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// How many times `isIdle` was asked.
    var calls: Int { state.withLock { $0.calls } }

    /// Lets the waiting call (and every later one) through.
    func open() {
        let waiter = state.withLock { state in
            state.opened = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func isReplayPending(_ replayID: String) async throws -> Bool { false }

    func isDrained() async throws -> Bool { true }

    func lastSequence(stream: String) async throws -> UInt64 { 1 }

    func acknowledgedThrough(consumer: String) async throws -> UInt64 { 0 }

    func isIdle(consumer: String) async throws -> Bool {
        let first = state.withLock { state in
            state.calls += 1
            return state.calls == 1 && !state.opened
        }
        if first {
            await withCheckedContinuation { continuation in
                let opened = state.withLock { state in
                    if !state.opened { state.waiter = continuation }
                    return state.opened
                }
                if opened { continuation.resume() }
            }
        }
        return true
    }
}
