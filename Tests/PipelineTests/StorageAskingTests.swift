import Contracts
import Foundation
import Logging
import NATSClient
import Pipeline
import TestSupport
import Testing
import TradingCalendar

/// `ask` against a real nats-server and the pipeline's own responder: typed replies, replies too large for one
/// message, and every transport failure turned into a ``PipelineError``.
@Suite("Asking storage over NATS")
struct StorageAskingTests {
    static let day = SessionDate("2024-01-02")!

    /// A responder answering price history with `count` closes, and refusing index-result queries.
    static func responder(closes count: Int) -> StorageResponder {
        var responder = StorageResponder()
        responder.on(PriceHistoryQuery.self) { query in
            PriceHistoryReply(
                closes: (0..<count).map {
                    HistoricalClose(date: query.range.start, ticker: "T\($0)", close: Double($0))
                }
            )
        }
        responder.on(IndexResultQuery.self) { _ in throw StorageBroke() }
        return responder
    }

    struct StorageBroke: Error, CustomStringConvertible {
        var description: String { "disk I/O error" }
    }

    @Test("a typed query gets its typed reply; a reply larger than the payload limit arrives whole, in parts")
    func typedAndChunked() async throws {
        let environment = try await NATSTestEnvironment()
        defer { Task { await environment.shutdown() } }
        // 200,000 closes encode to several MiB: over the server's 1 MiB limit.
        let serving = Task { try await environment.pipeline.serve(Self.responder(closes: 200_000)) }
        defer { serving.cancel() }
        let storage = environment.pipeline.storage
        let query = PriceHistoryQuery(range: DateRange(start: Self.day, end: Self.day))
        #expect(try query.encoded().count < 1024)
        let reply = try await eventuallyAnswered { try await storage.ask(query) }
        #expect(try reply.encoded().count > environment.connection.maxPayload)
        #expect(reply.closes.count == 200_000)
        #expect(reply.closes.last == HistoricalClose(date: Self.day, ticker: "T199999", close: 199_999))
    }

    @Test("storage's own error is a refusal naming it; nobody listening is unavailable")
    func errors() async throws {
        let environment = try await NATSTestEnvironment()
        defer { Task { await environment.shutdown() } }
        // Few attempts and a short timeout: the test is about what is thrown, not how long retrying takes.
        let storage = NATSStorageClient(
            connection: environment.connection, logger: Logger.test("ask"), timeout: .milliseconds(500), attempts: 2
        )
        let unanswered = await #expect(throws: PipelineError.self) {
            _ = try await storage.ask(StatusQuery(index: "ew100"))
        }
        #expect(unanswered?.isTransient == true)
        #expect(unanswered?.retryAfter == .seconds(1))

        let serving = Task { try await environment.pipeline.serve(Self.responder(closes: 1)) }
        defer { serving.cancel() }
        _ = try await eventuallyAnswered {
            try await storage.ask(PriceHistoryQuery(range: DateRange(start: Self.day, end: Self.day)))
        }
        let refused = await #expect(throws: PipelineError.self) {
            _ = try await storage.ask(IndexResultQuery(index: "ew100", date: Self.day))
        }
        #expect(refused?.isTransient == false)
        #expect(refused?.description.contains("disk I/O error") == true)
    }

    /// Asks until the responder's subscription is registered (serving starts asynchronously).
    func eventuallyAnswered<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            do {
                return try await body()
            } catch let error as PipelineError where error.isTransient && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }
}
