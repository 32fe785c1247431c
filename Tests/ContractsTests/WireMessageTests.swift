import Contracts
import Foundation
import NATSClient
import Testing
import TradingCalendar

@Suite("Message contracts")
struct WireMessageTests {
    let day = SessionDate("2024-01-02")!

    @Test("a price batch survives the trip, including non-finite and missing numbers")
    func priceBatchRoundTrip() throws {
        let batch = PriceBatch(
            batchID: "abc", date: day, source: "csv", chunk: ChunkInfo(index: 1, count: 3),
            replay: ReplayMark(replayID: "r1", refetched: false),
            rows: [
                PriceRow(date: day, ticker: "AAA", open: 1, high: 2, low: 0.5, close: 1.5, volume: 100, marketCap: 1e9),
                PriceRow(date: day, ticker: "BAD", close: .nan, marketCap: .infinity),
                PriceRow(date: day, ticker: "NEG", close: -.infinity, marketCap: nil, sharesOutstanding: 5),
            ],
            stocks: [StockInfo(ticker: "AAA", name: "Triple A", sector: "Tech", exchange: "NYSE")]
        )
        let decoded = try PriceBatch.decoded(from: batch.encoded(), headers: batch.headers)
        #expect(decoded.rows[0] == batch.rows[0])
        #expect(decoded.rows[1].close?.isNaN == true)
        #expect(decoded.rows[1].marketCap == .infinity)
        #expect(decoded.rows[2].close == -.infinity)
        #expect(decoded.rows[2].marketCap == nil)
        #expect(decoded.rows[2].sharesOutstanding == 5)
        #expect(decoded.chunk == batch.chunk)
        #expect(decoded.replay == batch.replay)
        #expect(decoded.stocks == batch.stocks)
        #expect(batch.headers["Schema"] == "price-batch/1")
    }

    @Test("equal content encodes to equal bytes (message ids can be derived from it)")
    func deterministicEncoding() throws {
        let result = IndexResult(
            index: "ew100", date: day, previousDate: nil, level: 1000, dailyReturn: 0,
            constituents: [Constituent(ticker: "A", rank: 1, weight: 1, marketCap: 10, close: 2)]
        )
        #expect(try result.encoded() == result.encoded())
    }

    @Test("every payload type decodes what it encodes")
    func allPayloadsRoundTrip() throws {
        let constituent = Constituent(ticker: "A", rank: 1, weight: 0.5, marketCap: 10, close: 2)
        let event = CompositionEvent(
            index: "ew100", date: day, previousDate: SessionDate("2023-12-29")!,
            added: [CompositionChange(ticker: "A", rank: 1, marketCap: 10)],
            removed: [CompositionChange(ticker: "Z", rank: nil, marketCap: nil)]
        )
        try roundTrip(ValidatedBatch(
            batchID: "b", date: day, source: "sim", replay: nil,
            rows: [ValidRow(ticker: "A", open: nil, high: nil, low: nil, close: 2, volume: nil, marketCap: 10, flags: [.stale])],
            stocks: [], receivedRows: 2, rejectedRows: 1
        ))
        try roundTrip(RejectionBatch(batchID: "b", date: day, source: "sim", rejections: [
            Rejection(row: PriceRow(date: day, ticker: "B", close: nil, marketCap: 1), reason: .badClose, position: 1),
        ]))
        try roundTrip(IndexResult(index: "ew100", date: day, previousDate: nil, level: 1000, dailyReturn: 0,
                                  constituents: [constituent]))
        try roundTrip(event)
        try roundTrip(ReplayRequest(replayID: "r", from: day, to: day, provider: "sim", refetch: true))
        try roundTrip(PerformanceQuery(index: "ew100", range: DateRange(start: day, end: day)))
        try roundTrip(PerformanceReply(points: [PerformancePoint(date: day, level: 1001.5, dailyReturn: 0.0015)]))
        try roundTrip(CompositionQuery(index: "ew100", date: day))
        try roundTrip(CompositionReply(asOf: day, constituents: [ConstituentDetail(constituent: constituent, name: "A", sector: nil)]))
        try roundTrip(ChangesQuery(index: "ew100", range: DateRange(start: day, end: day)))
        try roundTrip(ChangesReply(changes: [event]))
        try roundTrip(BuilderStateQuery(index: "ew100", before: day))
        try roundTrip(BuilderStateReply(previous: nil))
        try roundTrip(StatusQuery(index: "ew100"))
        try roundTrip(StatusReply(lastPriceSession: day, lastIndexSession: nil, firstIndexSession: nil, priceRows: 1,
                                  rejectedRows: 0, indexSessions: 0))
        try roundTrip(HealthReply(service: "storage", ready: true, uptimeSeconds: 3))
    }

    private func roundTrip<T: WireMessage & Equatable>(_ value: T) throws {
        #expect(try T.decoded(from: value.encoded(), headers: value.headers) == value)
    }

    @Test("another version is refused with both versions named")
    func unsupportedVersion() throws {
        let data = Data(#"{"version": 2, "body": {}}"#.utf8)
        #expect {
            _ = try PriceBatch.decoded(from: data)
        } throws: { error in
            "\(error)" == "price-batch version 2 is not supported (this build reads version 1)"
        }
    }

    @Test("a payload of another schema is refused by its header")
    func wrongSchema() throws {
        let reply = HealthReply(service: "x", ready: true, uptimeSeconds: 0)
        #expect(throws: ContractError.self) {
            _ = try PriceBatch.decoded(from: reply.encoded(), headers: reply.headers)
        }
    }

    @Test("garbage is refused with a reason that says where", arguments: [
        ("not json", "malformed price-batch payload"),
        (#"{"version": 1}"#, "missing field body"),
        (#"{"version": 1, "body": {"batchID": "x"}}"#, "missing field date at body"),
        (#"{"version": 1, "body": {"batchID": "x", "date": "2024-13-01"}}"#, "at body.date"),
    ])
    func malformed(input: String, fragment: String) throws {
        #expect {
            _ = try PriceBatch.decoded(from: Data(input.utf8))
        } throws: { error in
            "\(error)".contains(fragment)
        }
    }

    @Test("subjects follow <domain>.<event>.<key> and give their session back")
    func subjects() {
        #expect(Subjects.pricesRaw(day) == "prices.raw.2024-01-02")
        #expect(Subjects.pricesValid(day) == "prices.valid.2024-01-02")
        #expect(Subjects.indexComputed("ew100", day) == "index.computed.ew100.2024-01-02")
        #expect(Subjects.compositionChanged("ew100", day) == "composition.changed.ew100.2024-01-02")
        #expect(Subjects.storageQuery(.performance) == "storage.query.performance")
        #expect(Subjects.deadLetter("prices.raw.2024-01-02") == "dlq.prices.raw.2024-01-02")
        #expect(Subjects.sessionDate(of: "index.computed.ew100.2024-01-02") == day)
        #expect(Subjects.sessionDate(of: "storage.query.performance") == nil)
    }

    @Test("every consumer of the pipeline topology reads a declared stream and a subject that stream captures")
    func topologyIsConsistent() {
        let topology = Topology.pipeline
        #expect(Set(topology.streams.map(\.name)).count == topology.streams.count)
        #expect(Set(topology.consumers.map(\.durable)).count == topology.consumers.count)
        for consumer in topology.consumers {
            let stream = topology.stream(consumer.stream)
            #expect(stream != nil, "\(consumer.durable) reads an undeclared stream")
            #expect(stream?.subjects.contains(consumer.filterSubject) == true, "\(consumer.durable)")
        }
    }
}
