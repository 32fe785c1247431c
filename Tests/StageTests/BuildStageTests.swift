import Contracts
import Foundation
import IndexBuilderService
import Methodology
import Pipeline
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
        return storage
    }

    static func stage(_ publisher: FakePublisher, storage: FakeStorage = emptyStorage()) -> BuildStage {
        BuildStage(
            publisher: publisher, storage: storage, probe: FakeProbe(),
            calculator: IndexCalculator(index: "ew100", size: 2), logger: .stage
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
}
