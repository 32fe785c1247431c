import Contracts
import Foundation
import NATSClient
import Pipeline
import TestSupport
import Testing
import TradingCalendar

/// What the index-builder reads of storage's progress (``PipelineProbe/lastSequence(stream:)`` and
/// ``PipelineProbe/acknowledgedThrough(consumer:)``) against a real nats-server.
@Suite("Storage's progress over the index stream")
struct StoredProgressTests {
    static func result(_ day: Int) -> IndexResult {
        IndexResult(
            index: "ew100", date: SessionDate("2024-01-02")!.adding(days: day), previousDate: nil, level: 1000,
            dailyReturn: 0, constituents: [Constituent(ticker: "A", rank: 1, weight: 1, marketCap: 1e9, close: 10)],
            sourceBatchID: "b-\(day)"
        )
    }

    @Test("the index stream's last sequence, and storage's acknowledgement floor: through the first message not acked")
    func lastSequenceAndFloor() async throws {
        let environment = try await NATSTestEnvironment()
        defer { Task { await environment.shutdown() } }
        try await environment.jetStream.ensure(Topology.pipeline)
        let pipeline = environment.pipeline
        #expect(try await pipeline.lastSequence(stream: StreamName.index) == 0)
        #expect(try await pipeline.acknowledgedThrough(consumer: ConsumerName.storageIndex) == 0)
        for day in 0..<3 { try await pipeline.publish(Self.result(day)) }
        #expect(try await pipeline.lastSequence(stream: StreamName.index) == 3)

        let consumer = try environment.jetStream.pullConsumer(
            try #require(Topology.pipeline.consumer(ConsumerName.storageIndex)))
        let messages = try await consumer.fetch(batch: 3, expires: .seconds(5))
        try #require(messages.count == 3)
        // The second acknowledged before the first: nothing is acknowledged through.
        try await messages[1].ack()
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await pipeline.acknowledgedThrough(consumer: ConsumerName.storageIndex) == 0)
        try await messages[0].ack()
        #expect(
            try await eventually { try await pipeline.acknowledgedThrough(consumer: ConsumerName.storageIndex) == 2 })
        try await messages[2].ack()
        #expect(
            try await eventually { try await pipeline.acknowledgedThrough(consumer: ConsumerName.storageIndex) == 3 })
        // A consumer the pipeline does not have has acknowledged nothing.
        #expect(try await pipeline.acknowledgedThrough(consumer: "nobody") == 0)
    }
}
