import Contracts
import Foundation
import NATSClient
import Pipeline
import ServiceSupport
import TestSupport
import Testing
import TradingCalendar

/// De-duplication keeps a redelivered publish from being stored twice, but never swallows a deliberate replay.
@Suite("Replay message ids")
struct ReplayMessageIDTests {
    @Test("the same session published again is a duplicate within a replay and new in another replay")
    func replayIDsInMessageIDs() async throws {
        let environment = try await NATSTestEnvironment()
        defer { Task { await environment.shutdown() } }
        try await environment.jetStream.ensure(.pipeline)
        let publisher = environment.pipeline
        let date = SessionDate("2024-01-02")!
        let rows = [PriceRow(date: date, ticker: "A", close: 1, marketCap: 1)]
        func lastSequence() async throws -> UInt64 {
            try await environment.jetStream.streamState(StreamName.pricesRaw).lastSequence
        }
        let first = ReplayMark(replayID: "replay-1", refetched: false)
        _ = try await publisher.publishSession(date: date, rows: rows, stocks: [], source: "sim", replay: first)
        #expect(try await lastSequence() == 1)
        // A redelivered replay request publishes the same message again: stored once.
        _ = try await publisher.publishSession(date: date, rows: rows, stocks: [], source: "sim", replay: first)
        #expect(try await lastSequence() == 1)
        // A second replay of the same range: stored, so the validator sees it.
        let second = ReplayMark(replayID: "replay-2", refetched: false)
        let published = try await publisher.publishSession(
            date: date, rows: rows, stocks: [], source: "sim", replay: second, batchID: "kept-id"
        )
        #expect(try await lastSequence() == 2)
        #expect(published.batchID == "kept-id")
        let stored = try await environment.jetStream.message(stream: StreamName.pricesRaw, sequence: 2)
        let batch = try PriceBatch.decoded(from: stored.data, schemaTag: stored.headers[schemaHeader])
        #expect(batch.batchID == "kept-id")
        #expect(batch.replay == second)
    }

    @Test("a replay request without refetch (an older tool's) decodes with refetch off")
    func replayRequestDecoding() throws {
        let old = Data(#"{"version":1,"body":{"replayID":"r","from":"2024-01-02","to":"2024-01-05"}}"#.utf8)
        let request = try ReplayRequest.decoded(from: old)
        #expect(request.refetch == false)
        #expect(request.provider == nil)
        #expect(request.index == Indexes.defaultID)
        let full = ReplayRequest(
            replayID: "r", from: SessionDate("2024-01-02")!, to: SessionDate("2024-01-05")!, provider: "csv",
            refetch: true
        )
        #expect(try ReplayRequest.decoded(from: full.encoded()) == full)
    }
}
