import Contracts
import Foundation
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
            stocks: [StockInfo(ticker: "AAA", name: "Triple A", sector: "Tech", exchange: "NYSE")],
            actions: [
                CorporateAction(date: day, ticker: "AAA", kind: "split", value: 2),
                CorporateAction(date: day, ticker: "AAA", kind: "cash_dividend", value: 0.25),
                CorporateAction(date: day, ticker: "BAD", kind: "merger", value: nil),
                CorporateAction(date: day, ticker: "NEG", kind: "special_dividend", value: .nan),
            ]
        )
        let decoded = try PriceBatch.decoded(from: batch.encoded(), schemaTag: PriceBatch.schemaTag)
        #expect(decoded.rows[0] == batch.rows[0])
        #expect(decoded.rows[1].close?.isNaN == true)
        #expect(decoded.rows[1].marketCap == .infinity)
        #expect(decoded.rows[2].close == -.infinity)
        #expect(decoded.rows[2].marketCap == nil)
        #expect(decoded.rows[2].sharesOutstanding == 5)
        #expect(decoded.chunk == batch.chunk)
        #expect(decoded.replay == batch.replay)
        #expect(decoded.stocks == batch.stocks)
        #expect(Array(decoded.actions.prefix(3)) == Array(batch.actions.prefix(3)))
        #expect(decoded.actions[2].knownKind == nil)
        #expect(decoded.actions[3].value?.isNaN == true)
        #expect(PriceBatch.schemaTag == "price-batch/2")
    }

    @Test("equal content encodes to equal bytes, built apart or decoded and re-encoded; other content differs")
    func deterministicEncoding() throws {
        func result(close: Double) -> IndexResult {
            IndexResult(
                index: "ew100", date: day, previousDate: SessionDate("2023-12-29")!, level: 1000.125, dailyReturn: 0.01,
                constituents: [
                    Constituent(ticker: "A", rank: 1, weight: 0.5, marketCap: 10, close: close),
                    Constituent(ticker: "B", rank: 2, weight: 0.5, marketCap: 9, close: 3),
                ]
            )
        }
        let bytes = try result(close: 2).encoded()
        #expect(try result(close: 2).encoded() == bytes)
        let decoded = try IndexResult.decoded(from: bytes, schemaTag: IndexResult.schemaTag)
        #expect(try decoded.encoded() == bytes)
        #expect(try result(close: 2.000_000_000_1).encoded() != bytes)

        // A JSON-encoded message too: optional fields and nested values come out in one order.
        let request = ReplayRequest(replayID: "r", from: day, to: day, provider: "fmp", refetch: true, index: "ew100")
        let json = try request.encoded()
        #expect(try ReplayRequest.decoded(from: json, schemaTag: ReplayRequest.schemaTag).encoded() == json)
        #expect(
            try ReplayRequest(replayID: "r", from: day, to: day, provider: "fmp", refetch: true, index: "ew100")
                .encoded() == json)
    }

    @Test("every payload type decodes what it encodes")
    func allPayloadsRoundTrip() throws {
        let constituent = Constituent(ticker: "A", rank: 1, weight: 0.5, marketCap: 10, close: 2)
        let event = CompositionEvent(
            index: "ew100", date: day, previousDate: SessionDate("2023-12-29")!,
            added: [CompositionChange(ticker: "A", rank: 1, marketCap: 10)],
            removed: [CompositionChange(ticker: "Z", rank: nil, marketCap: nil)]
        )
        try roundTrip(
            ValidatedBatch(
                batchID: "b", date: day, source: "sim", replay: nil,
                rows: [
                    ValidRow(
                        ticker: "A", open: nil, high: nil, low: nil, close: 2, volume: nil, marketCap: 10,
                        flags: [.stale])
                ],
                stocks: [], receivedRows: 2, rejectedRows: 1
            ))
        try roundTrip(
            RejectionBatch(
                batchID: "b", date: day, source: "sim",
                rejections: [
                    Rejection(
                        row: PriceRow(date: day, ticker: "B", close: nil, marketCap: 1), reason: .badClose, position: 1)
                ]))
        try roundTrip(
            IndexResult(
                index: "ew100", date: day, previousDate: SessionDate("2023-12-29"), level: 1000.5,
                dailyReturn: 0.0005, constituents: [constituent], previousTickers: ["A", "Z"],
                departures: [CompositionChange(ticker: "Z", rank: 140, marketCap: 3)],
                sourceBatchID: "b1", replay: ReplayMark(replayID: "r", refetched: false)))
        let carried = Constituent(
            ticker: "B", rank: 2, weight: 0.25, marketCap: 9, close: 3, lastCloseDate: SessionDate("2023-12-28"))
        try roundTrip(
            IndexResult(
                index: "weekly", date: day, previousDate: SessionDate("2023-12-29"), level: 99.5, dailyReturn: -0.005,
                constituents: [constituent, carried], previousTickers: ["A", "B"]))
        try roundTrip(event)
        try roundTrip(ReplayRequest(replayID: "r", from: day, to: day, provider: "sim", refetch: true))
        try roundTrip(PerformanceQuery(index: "ew100", range: DateRange(start: day, end: day)))
        try roundTrip(PerformanceReply(points: [PerformancePoint(date: day, level: 1001.5, dailyReturn: 0.0015)]))
        try roundTrip(CompositionQuery(index: "ew100", date: day))
        try roundTrip(
            CompositionReply(
                asOf: day, constituents: [ConstituentDetail(constituent: constituent, name: "A", sector: nil)]))
        try roundTrip(ChangesQuery(index: "ew100", range: DateRange(start: day, end: day)))
        try roundTrip(ChangesReply(changes: [event]))
        try roundTrip(StatusQuery(index: "ew100"))
        try roundTrip(
            StatusReply(
                lastPriceSession: day, lastIndexSession: nil, firstIndexSession: nil, priceRows: 1,
                rejectedRows: 0, indexSessions: 0))
        try roundTrip(HealthReply(service: "storage", ready: true, uptimeSeconds: 3))
        let record = SessionRecord(
            date: day, batchID: "b", source: "sim", receivedRows: 3, validRows: 2, rejectedRows: 1,
            indexBatchID: "b")
        try roundTrip(SessionsQuery(index: "ew100", range: DateRange(start: day, end: day)))
        try roundTrip(SessionsReply(sessions: [record]))
        try roundTrip(SessionPricesQuery(date: day))
        try roundTrip(SessionPricesReply(record: record, rows: []))
        try roundTrip(PriceHistoryQuery(range: DateRange(start: day, end: day)))
        try roundTrip(PriceHistoryReply(closes: [HistoricalClose(date: day, ticker: "A", close: 1.25)]))
        try roundTrip(IndexResultQuery(index: "ew100", date: day))
        try roundTrip(IndexResultReply(result: nil))
    }

    @Test("a constituent stored before carried close dates existed decodes without one")
    func constituentWithoutCloseDate() throws {
        let json = Data(#"{"ticker":"A","rank":1,"weight":0.5,"marketCap":10,"close":2}"#.utf8)
        let decoded = try JSONDecoder().decode(Constituent.self, from: json)
        #expect(decoded == Constituent(ticker: "A", rank: 1, weight: 0.5, marketCap: 10, close: 2))
        #expect(decoded.lastCloseDate == nil)
    }

    private func roundTrip<T: WireMessage & Equatable>(_ value: T) throws {
        #expect(try T.decoded(from: value.encoded(), schemaTag: T.schemaTag) == value)
    }

    @Test("another version is refused with both versions named")
    func unsupportedVersion() throws {
        let data = Data(#"{"version": 2, "body": {}}"#.utf8)
        #expect {
            _ = try ReplayRequest.decoded(from: data)
        } throws: { error in
            "\(error)" == "replay-request version 2 is not supported (this build reads version 1)"
        }
    }

    @Test("a payload of another schema is refused by its header")
    func wrongSchema() throws {
        let reply = HealthReply(service: "x", ready: true, uptimeSeconds: 0)
        #expect(throws: ContractError.self) {
            _ = try PriceBatch.decoded(from: reply.encoded(), schemaTag: HealthReply.schemaTag)
        }
        #expect(throws: ContractError.self) {
            _ = try ReplayRequest.decoded(from: reply.encoded(), schemaTag: HealthReply.schemaTag)
        }
    }

    @Test(
        "malformed JSON is refused with a reason that says where",
        arguments: [
            ("not json", "malformed replay-request payload"),
            (#"{"version": 1}"#, "missing field body"),
            (#"{"version": 1, "body": {"replayID": "x"}}"#, "missing field from at body"),
            (#"{"version": 1, "body": {"replayID": "x", "from": "2024-13-01"}}"#, "at body.from"),
        ])
    func malformedJSON(input: String, fragment: String) throws {
        #expect {
            _ = try ReplayRequest.decoded(from: Data(input.utf8))
        } throws: { error in
            "\(error)".contains(fragment)
        }
    }

    func sampleBatch() -> PriceBatch {
        PriceBatch(
            batchID: "b", date: day, source: "sim",
            rows: [
                PriceRow(date: day, ticker: "AAA", open: 1, close: 2, volume: 3, marketCap: 4),
                PriceRow(date: day, ticker: "BBB", close: 5, marketCap: nil, sharesOutstanding: 6),
            ])
    }

    /// Stored actions as storage answers them: every rejection, a missing value, an unknown kind, odd numbers.
    static func storedActions() -> CorporateActionsReply {
        let values: [Double?] = [2, nil, 0.5, -0.0, .infinity, 0.1 + 0.2]
        let reasons: [ActionRejectionReason?] = [nil] + ActionRejectionReason.allCases
        return CorporateActionsReply(
            actions: values.indices.map { offset in
                ValidatedAction(
                    action: CorporateAction(
                        date: SessionDate("2024-01-0\(offset + 2)")!, ticker: offset == 3 ? "Ä€" : "T\(offset)",
                        kind: offset == 1 ? "merger" : "split", value: values[offset]),
                    rejection: reasons[offset % reasons.count])
            })
    }

    @Test("stored corporate actions round-trip in binary, bit for bit, and a cut or corrupt reply is refused")
    func actionsBinary() throws {
        let reply = Self.storedActions()
        let data = try reply.encoded()
        let decoded = try CorporateActionsReply.decoded(from: data, schemaTag: CorporateActionsReply.schemaTag)
        #expect(decoded == reply)
        #expect(
            decoded.actions.map { $0.action.value?.bitPattern } == reply.actions.map { $0.action.value?.bitPattern })
        #expect(Set(decoded.actions.map(\.rejection)).count == ActionRejectionReason.allCases.count + 1)
        #expect(
            try CorporateActionsReply.decoded(from: CorporateActionsReply(actions: []).encoded(), schemaTag: nil)
                .actions.isEmpty)
        for length in 0..<data.count {
            #expect(throws: ContractError.self) {
                _ = try CorporateActionsReply.decoded(from: data.prefix(length), schemaTag: nil)
            }
        }
        // A JSON reply (what builds before the binary encoding sent) is refused by name, not misread.
        #expect { _ = try CorporateActionsReply.decoded(from: try reply.jsonEncoded(), schemaTag: nil) } throws: {
            "\($0)".contains("bad magic")
        }
        // The same action with a rejection no build knows.
        var writer = BinaryWriter()
        let good = try CorporateActionsReply(actions: [reply.actions[0]]).encoded()
        for byte in good.dropLast() { writer.write(byte) }
        writer.write("not_a_reason")
        #expect { _ = try CorporateActionsReply.decoded(from: Data(writer.bytes), schemaTag: nil) } throws: {
            "\($0)".contains("unknown action rejection not_a_reason")
        }
    }

    /// A result with every optional field set, carried and departed members included.
    private func sampleResult() -> IndexResult {
        IndexResult(
            index: "ew100-tr", date: day, previousDate: SessionDate("2023-12-29"), level: 1000.000_000_000_2,
            dailyReturn: -0.000_123_456_789,
            constituents: [
                Constituent(ticker: "A", rank: 1, weight: 0.5, marketCap: 1e12, close: 187.25),
                Constituent(
                    ticker: "B", rank: 101, weight: 0.25, marketCap: 9.5e9, close: 3.01,
                    lastCloseDate: SessionDate("2023-12-28")),
            ],
            previousTickers: ["A", "Z", "B"],
            departures: [
                CompositionChange(ticker: "Z", rank: 140, marketCap: 3e8),
                CompositionChange(ticker: "Y", rank: nil, marketCap: nil),
            ],
            sourceBatchID: "2024-01-02-abc", replay: ReplayMark(replayID: "r", refetched: true), turnover: 0.125)
    }

    @Test("an index result is binary (version 2), refused when cut anywhere, and still read from version 1 JSON")
    func indexResultVersions() throws {
        let result = sampleResult()
        let data = try result.encoded()
        #expect(IndexResult.schemaTag == "index-result/2")
        #expect(Array(data.prefix(4)) == Array("EWIR".utf8))
        #expect(try IndexResult.decoded(from: data, schemaTag: IndexResult.schemaTag) == result)
        for length in 0..<data.count {
            #expect(throws: ContractError.self) { _ = try IndexResult.decoded(from: data.prefix(length)) }
        }
        #expect { _ = try IndexResult.decoded(from: data + Data([0])) } throws: { "\($0)".contains("trailing bytes") }

        // What a build before version 2 published, still in the stream when the new build starts.
        struct Version1: Encodable {
            var version = 1
            var body: IndexResult
        }
        let legacy = try WireCoding.encoder.encode(Version1(body: result))
        #expect(legacy.first == UInt8(ascii: "{"))
        #expect(try IndexResult.decoded(from: legacy, schemaTag: "index-result/1") == result)
        #expect(try IndexResult.decoded(from: legacy, schemaTag: nil) == result)
        // JSON claiming version 2 is neither format.
        let mislabelled = try WireCoding.encoder.encode(Version1(version: 2, body: result))
        #expect { _ = try IndexResult.decoded(from: mislabelled) } throws: {
            "\($0)" == "index-result version 2 is not supported (this build reads version 1)"
        }
        #expect(throws: ContractError.self) {
            _ = try IndexResult.decoded(from: data, schemaTag: CompositionEvent.schemaTag)
        }
    }

    @Test("a truncated binary batch is refused, wherever it is cut")
    func truncatedBinary() throws {
        let data = try sampleBatch().encoded()
        for length in 0..<data.count {
            #expect(throws: ContractError.self) { _ = try PriceBatch.decoded(from: data.prefix(length)) }
        }
        #expect(try PriceBatch.decoded(from: data) == sampleBatch())
    }

    @Test("binary batches refuse bad magic, trailing bytes, a huge count and a row of another date")
    func corruptBinary() throws {
        var data = try sampleBatch().encoded()
        #expect { _ = try PriceBatch.decoded(from: Data("JSON".utf8) + data.dropFirst(4)) } throws: {
            "\($0)".contains("bad magic")
        }
        #expect { _ = try PriceBatch.decoded(from: data + Data([0])) } throws: { "\($0)".contains("trailing bytes") }
        // A count of 2^62 rows must be refused, not allocated.
        var huge = BinaryWriter()
        for byte in Array("EWPB".utf8) { huge.write(byte) }
        huge.writeCount(PriceBatch.version)
        huge.write("b")
        huge.write(day)
        huge.write("sim")
        huge.writeCount(0)
        huge.writeCount(1)
        huge.write(false)
        huge.writeVarint(1 << 62)
        #expect { _ = try PriceBatch.decoded(from: Data(huge.bytes)) } throws: {
            "\($0)".contains("exceeds the payload")
        }
        var stray = sampleBatch()
        stray.rows[1].date = SessionDate("2024-01-03")!
        data = try stray.encoded()
        #expect { _ = try PriceBatch.decoded(from: data) } throws: { "\($0)".contains("row 1 is dated 2024-01-03") }
    }

    @Test("validated and rejection batches round-trip in binary, flags and non-finite values included")
    func binaryRoundTrips() throws {
        let valid = ValidatedBatch(
            batchID: "b", date: day, source: "csv", replay: ReplayMark(replayID: "r", refetched: true),
            rows: [
                ValidRow(
                    ticker: "A", open: 1, high: nil, low: 0.5, close: 2, volume: nil, marketCap: 10,
                    flags: [.priceJump, .stale]),
                ValidRow(ticker: "B", open: nil, high: nil, low: nil, close: 3, volume: 7, marketCap: 11, flags: []),
            ],
            stocks: [StockInfo(ticker: "A", name: "A, Inc.", sector: "Tech", exchange: "NYSE")],
            receivedRows: 3, rejectedRows: 1,
            actions: [
                ValidatedAction(
                    action: CorporateAction(date: day, ticker: "A", kind: "split", value: 0.5), rejection: nil),
                ValidatedAction(
                    action: CorporateAction(date: day, ticker: "A", kind: "split", value: 3), rejection: .duplicate),
                ValidatedAction(
                    action: CorporateAction(date: day, ticker: "B", kind: "spinoff", value: nil),
                    rejection: .unknownKind),
            ]
        )
        #expect(try ValidatedBatch.decoded(from: valid.encoded(), schemaTag: ValidatedBatch.schemaTag) == valid)
        let rejected = RejectionBatch(
            batchID: "b", date: day, source: "csv",
            rejections: [
                Rejection(
                    row: PriceRow(date: day, ticker: "C", close: .nan, marketCap: -.infinity), reason: .badClose,
                    position: 2)
            ])
        let decoded = try RejectionBatch.decoded(from: rejected.encoded(), schemaTag: RejectionBatch.schemaTag)
        #expect(decoded.rejections[0].row.close?.isNaN == true)
        #expect(decoded.rejections[0].row.marketCap == -.infinity)
        #expect(decoded.rejections[0].reason == .badClose)
        #expect(decoded.rejections[0].position == 2)
    }

    @Test("the content hash is stable and tells different content apart")
    func contentHash() {
        #expect(ContentHash.hex(Data("abc".utf8)) == ContentHash.hex(Data("abc".utf8)))
        #expect(ContentHash.hex(Data("abc".utf8)) != ContentHash.hex(Data("abd".utf8)))
        #expect(ContentHash.hex(Data()).count == 32)
    }
}
