import Contracts
import Foundation
import Pipeline
import TestSupport
import Testing
import TradingCalendar
import ValidatorService

/// The validator's stage against the in-memory pipeline: chunks, history, failures, undecodable messages.
@Suite("Validation stage over fakes")
struct ValidationStageTests {
    /// Storage with no history (the first session of a back-fill).
    static func emptyStorage() -> FakeStorage {
        let storage = FakeStorage()
        storage.on(PriceHistoryQuery.self) { _ in PriceHistoryReply(closes: []) }
        return storage
    }

    /// A session's rows split into three chunks of one batch; the duplicate A sits in the last chunk.
    static func chunks() -> [PriceBatch] {
        let date = Days.day1
        let parts: [[PriceRow]] = [
            [Days.raw(date, "A", 10), Days.raw(date, "B", 20)],
            [Days.raw(date, "C", 30)],
            [Days.raw(date, "D", 40), Days.raw(date, "A", 11)],
        ]
        return parts.enumerated().map { index, rows in
            PriceBatch(
                batchID: "chunked", date: date, source: "sim", chunk: ChunkInfo(index: index, count: parts.count),
                rows: rows,
                stocks: index == 0 ? [StockInfo(ticker: "A", name: "A Inc.", sector: "Tech", exchange: "NYSE")] : []
            )
        }
    }

    @Test("chunks arriving out of order are held, then validated as one batch; the siblings are acknowledged")
    func chunkReassembly() async throws {
        let publisher = FakePublisher()
        let stage = ValidationStage(publisher: publisher, storage: Self.emptyStorage(), logger: .stage)
        let parts = try Self.chunks().map { try Delivery.fake($0) }

        // The last chunk, then the first: both kept by the stage, nothing published.
        #expect(await stage.handle([parts[2].0, parts[0].0]).map(Outcome.init) == [.deferred, .deferred])
        #expect(await stage.heldChunks == ["chunked": 2])
        #expect(publisher.messages.isEmpty)
        #expect(parts[2].1.ending == nil && parts[0].1.ending == nil)

        // The middle one completes the batch: its own outcome is done, the held siblings are acknowledged.
        #expect(await stage.handle([parts[1].0]).map(Outcome.init) == [.done])
        #expect(await stage.heldChunks.isEmpty)
        #expect(parts[0].1.ending == .acked && parts[2].1.ending == .acked)

        // One validated batch in chunk order; the duplicate across chunks is caught and published as a rejection.
        let valid = try #require(publisher.published(ValidatedBatch.self).only)
        #expect(valid.batchID == "chunked")
        #expect(valid.rows.map(\.ticker) == ["A", "B", "C", "D"])
        #expect(valid.receivedRows == 5 && valid.rejectedRows == 1)
        #expect(valid.stocks.map(\.ticker) == ["A"])
        let rejected = try #require(publisher.published(RejectionBatch.self).only)
        #expect(rejected.rejections.map(\.reason) == [.duplicate])
        #expect(rejected.rejections.map(\.row.close) == [11])
    }

    @Test("when the reassembled batch cannot be published, every chunk comes back for redelivery")
    func reassembledFailure() async throws {
        let publisher = FakePublisher()
        let stage = ValidationStage(publisher: publisher, storage: Self.emptyStorage(), logger: .stage)
        let parts = try Self.chunks().map { try Delivery.fake($0) }
        #expect(await stage.handle([parts[0].0, parts[1].0]).map(Outcome.init) == [.deferred, .deferred])
        publisher.fail(with: PipelineError.unavailable(dependency: "NATS JetStream", reason: "down"))
        #expect(await stage.handle([parts[2].0]).map(Outcome.init) == [.failed])
        #expect(parts[0].1.ending == .naked && parts[1].1.ending == .naked)
        #expect(await stage.heldChunks.isEmpty)
        // Redelivered later, the batch goes through whole.
        publisher.fail(with: nil)
        let again = try Self.chunks().map { try Delivery.fake($0, deliveries: 2) }
        #expect(await stage.handle(again.map(\.0)).map(Outcome.init) == [.deferred, .deferred, .done])
        #expect(publisher.published(ValidatedBatch.self).count == 1)
    }

    @Test("history is read from storage once for a fresh run, then kept in memory session after session")
    func historyFromStorage() async throws {
        let publisher = FakePublisher()
        let storage = Self.emptyStorage()
        let stage = ValidationStage(publisher: publisher, storage: storage, logger: .stage)
        for date in [Days.day1, Days.day2, Days.day3] {
            let batch = PriceBatch(
                batchID: "b-\(date)", date: date, source: "sim",
                rows: [Days.raw(date, "A", 10), Days.raw(date, "B", 20)]
            )
            #expect(await stage.handle([try Delivery.fake(batch).0]).map(Outcome.init) == [.done])
        }
        #expect(storage.asked == [.priceHistory])
        #expect(publisher.published(ValidatedBatch.self).map(\.date) == [Days.day1, Days.day2, Days.day3])
        #expect(publisher.published(RejectionBatch.self).isEmpty)
    }

    @Test("storage unreachable for the history: the batch fails (redelivered later), nothing is published")
    func storageDown() async throws {
        let publisher = FakePublisher()
        let storage = Self.emptyStorage()
        storage.fail(with: PipelineError.unavailable(dependency: "storage", reason: "no responders"))
        let stage = ValidationStage(publisher: publisher, storage: storage, logger: .stage)
        let batch = PriceBatch(batchID: "b", date: Days.day2, source: "sim", rows: [Days.raw(Days.day2, "A", 10)])
        #expect(await stage.handle([try Delivery.fake(batch).0]).map(Outcome.init) == [.failed])
        #expect(publisher.messages.isEmpty)
    }

    @Test("a message that does not decode is dead-lettered with the decoding error and never reaches the stage")
    func undecodable() async throws {
        let publisher = FakePublisher()
        let stage = ValidationStage(publisher: publisher, storage: Self.emptyStorage(), logger: .stage)
        let consumer = StageConsumer<PriceBatch>(ConsumerName.validator, batch: 16) { await stage.handle($0) }
        let good = PriceBatch(batchID: "b", date: Days.day1, source: "sim", rows: [Days.raw(Days.day1, "A", 10)])
        let bad = FakeDelivery(data: Data("{\"version\": 1, \"body\": {\"rows\": 7}}".utf8))
        let wrongSchema = FakeDelivery(data: try good.encoded(), headers: [schemaHeader: ReplayRequest.schemaTag])
        let outcomes = await consumer.deliver([bad, try FakeDelivery(good), wrongSchema])
        #expect(outcomes.map(Outcome.init) == [.permanent, .done, .permanent])
        guard case .permanent(let reason) = outcomes[0] else { return }
        #expect(reason.contains("price-batch"))
        #expect(publisher.published(ValidatedBatch.self).count == 1)
    }
}

extension Array {
    /// The single element, or nil when there are none or several.
    var only: Element? { count == 1 ? first : nil }
}
