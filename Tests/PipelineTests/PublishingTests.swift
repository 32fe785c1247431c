import Contracts
import Foundation
import Pipeline
import TestSupport
import Testing
import TradingCalendar

@Suite("Publishing a session: chunks under the payload limit")
struct PublishingTests {
    let day = SessionDate("2024-01-02")!

    func rows(_ count: Int) -> [PriceRow] {
        (0..<count).map {
            PriceRow(
                date: day, ticker: String(format: "T%05d", $0), open: 1, high: 2, low: 0.5, close: 1.5,
                volume: 100, marketCap: Double(1_000_000 + $0)
            )
        }
    }

    @Test("a session that fits is one message; one that does not is split evenly, rows kept in order")
    func chunking() async throws {
        let small = FakePublisher(payloadLimit: 64 * 1024)
        let stocks = [StockInfo(ticker: "T00000", name: "Zero", sector: "Tech", exchange: "NYSE")]
        let one = try await small.publishSession(date: day, rows: rows(10), stocks: stocks, source: "sim")
        #expect(one.chunks == 1)
        #expect(small.published(PriceBatch.self).count == 1)

        let large = FakePublisher(payloadLimit: 16 * 1024)
        let all = rows(2000)
        let published = try await large.publishSession(date: day, rows: all, stocks: stocks, source: "sim")
        let batches = large.published(PriceBatch.self)
        #expect(published.chunks > 1)
        #expect(batches.count == published.chunks)
        #expect(batches.map(\.chunk.index) == Array(0..<published.chunks))
        #expect(Set(batches.map(\.chunk.count)) == [published.chunks])
        #expect(batches.flatMap(\.rows) == all)
        #expect(batches[0].stocks == stocks)
        #expect(batches.dropFirst().allSatisfy { $0.stocks.isEmpty })
        #expect(Set(batches.map(\.batchID)) == [published.batchID])
        for batch in batches { #expect(try batch.encoded().count <= 16 * 1024) }
    }

    @Test("the batch id is a content hash: equal rows give equal ids, another row another id")
    func batchIDs() async throws {
        let a = try SessionBatches.batchID(date: day, source: "sim", rows: rows(5))
        let b = try SessionBatches.batchID(date: day, source: "sim", rows: rows(5))
        let c = try SessionBatches.batchID(date: day, source: "sim", rows: rows(6))
        #expect(a == b)
        #expect(a != c)
        #expect(a.hasPrefix("2024-01-02-"))
    }

    @Test("a replay request is published on its own subject, once per replay id")
    func replayRequest() async throws {
        let publisher = FakePublisher()
        let request = ReplayRequest(replayID: "r-1", from: day, to: day, refetch: true)
        try await publisher.requestReplay(request)
        #expect(publisher.published(ReplayRequest.self) == [request])
    }
}
