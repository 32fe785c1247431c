import Contracts
import Foundation
import Testing
import TradingCalendar

@Suite("The performance and composition replies' binary encoding")
struct ReadRepliesTests {
    static let day = SessionDate("2024-01-02")!

    /// Points as storage answers them: a base session, a turnover, tiny and huge numbers, -0, NaN and infinity.
    static func points() -> PerformanceReply {
        let values: [(Double, Double, Double?)] = [
            (1000, 0, nil), (1010.123456789, 0.010123456789, 0.25), (1e-300, -0.0, 0),
            (.greatestFiniteMagnitude, 1e300, nil),
            (.nan, .infinity, -.infinity), (0.1 + 0.2, -1, 0.1 + 0.2),
        ]
        return PerformanceReply(
            points: values.enumerated().map { offset, value in
                PerformancePoint(
                    date: day.adding(days: offset * 400 - 800), level: value.0, dailyReturn: value.1, turnover: value.2)
            })
    }

    static func composition() -> CompositionReply {
        CompositionReply(
            asOf: day,
            constituents: [
                ConstituentDetail(
                    constituent: Constituent(ticker: "A", rank: 1, weight: 0.5, marketCap: 3e12, close: 190.5),
                    name: "A \"Quoted\" Inc.", sector: nil),
                ConstituentDetail(
                    constituent: Constituent(
                        ticker: "Ä€", rank: 2, weight: 0.5, marketCap: .nan, close: 1 / 3,
                        lastCloseDate: SessionDate("2023-12-28")),
                    name: nil, sector: "Énergie"),
            ])
    }

    @Test("points round-trip bit for bit, turnover or none; a cut, foreign or JSON payload is refused")
    func performance() throws {
        let reply = Self.points()
        let data = try reply.encoded()
        let decoded = try PerformanceReply.decoded(from: data, schemaTag: PerformanceReply.schemaTag)
        #expect(decoded.points.map(\.date) == reply.points.map(\.date))
        for (mine, theirs) in zip(decoded.points, reply.points) {
            #expect(mine.level.bitPattern == theirs.level.bitPattern)
            #expect(mine.dailyReturn.bitPattern == theirs.dailyReturn.bitPattern)
            #expect(mine.turnover?.bitPattern == theirs.turnover?.bitPattern)
        }
        #expect(try PerformanceReply.decoded(from: try PerformanceReply(points: []).encoded()).points.isEmpty)
        for length in 0..<data.count {
            #expect(throws: ContractError.self) { _ = try PerformanceReply.decoded(from: data.prefix(length)) }
        }
        #expect(throws: ContractError.self) { _ = try PerformanceReply.decoded(from: data + [0]) }
        #expect { _ = try PerformanceReply.decoded(from: try reply.jsonEncoded()) } throws: {
            "\($0)".contains("bad magic")
        }
        #expect(throws: ContractError.self) {
            _ = try PerformanceReply.decoded(from: data, schemaTag: CompositionReply.schemaTag)
        }
        #expect(PerformanceReply.schemaTag == "performance-reply/2")
    }

    @Test("a composition round-trips with its metadata and carried close, and with no session at all")
    func composition() throws {
        let reply = Self.composition()
        let data = try reply.encoded()
        let decoded = try CompositionReply.decoded(from: data, schemaTag: CompositionReply.schemaTag)
        #expect(decoded.asOf == reply.asOf)
        #expect(decoded.constituents.map(\.name) == reply.constituents.map(\.name))
        #expect(decoded.constituents.map(\.sector) == reply.constituents.map(\.sector))
        #expect(decoded.constituents.map(\.constituent.ticker) == ["A", "Ä€"])
        #expect(decoded.constituents.map(\.constituent.lastCloseDate) == [nil, SessionDate("2023-12-28")])
        #expect(decoded.constituents[1].constituent.marketCap.isNaN)
        #expect(decoded.constituents[0] == reply.constituents[0])
        let none = CompositionReply(asOf: nil, constituents: [])
        #expect(try CompositionReply.decoded(from: try none.encoded()) == none)
        for length in 0..<data.count {
            #expect(throws: ContractError.self) { _ = try CompositionReply.decoded(from: data.prefix(length)) }
        }
        #expect { _ = try CompositionReply.decoded(from: try reply.jsonEncoded()) } throws: {
            "\($0)".contains("bad magic")
        }
        #expect(CompositionReply.schemaTag == "composition-reply/2")
    }

    @Test("a composition reply with two constituent lists, or a member pointing past the stock table, is malformed")
    func compositionCorrupt() throws {
        // A compositions reply of two sessions has the same layout after the header as a composition reply
        // whose as-of flag reads as the date's first byte: build the bad payloads by hand instead.
        var writer = BinaryWriter()
        for byte in "EWCO".utf8 { writer.write(byte) }
        writer.writeCount(CompositionReply.version)
        writer.writeOptional(Self.day)
        writer.writeCount(0)  // no stocks in the table
        writer.writeCount(2)  // two lists
        for _ in 0..<2 {
            writer.writeCount(0)
            writer.writeCount(0)
        }
        #expect { _ = try CompositionReply.decoded(from: Data(writer.bytes)) } throws: {
            "\($0)".contains("2 constituent lists, not 1")
        }
        var pointing = BinaryWriter()
        for byte in "EWCO".utf8 { pointing.write(byte) }
        pointing.writeCount(CompositionReply.version)
        pointing.writeOptional(nil as SessionDate?)
        pointing.writeCount(0)  // no stocks
        pointing.writeCount(1)  // one list
        pointing.writeCount(1)  // of one member
        pointing.writeCount(5)  // pointing at stock 5
        pointing.writeSigned(1)
        for value in [0.5, 1e12, 10.0] { pointing.write(value) }
        pointing.writeCount(0)
        #expect { _ = try CompositionReply.decoded(from: Data(pointing.bytes)) } throws: {
            "\($0)".contains("stock 5 of a table of 0")
        }
    }

    @Test("a price history round-trips, closes and splits, bit for bit; a cut one, a bad ticker or kind is refused")
    func priceHistory() throws {
        let closes = (0..<30).map { offset in
            HistoricalClose(
                date: Self.day.adding(days: offset / 3), ticker: ["A", "BRK.B", "Ä€"][offset % 3],
                close: offset == 7 ? .nan : 100 + Double(offset) / 3)
        }
        let splits = [
            AcceptedAction(date: Self.day, ticker: "A", kind: .split, value: 2),
            AcceptedAction(date: Self.day.adding(days: 3), ticker: "BRK.B", kind: .split, value: 0.1),
        ]
        let reply = PriceHistoryReply(closes: closes, splits: splits)
        let data = try reply.encoded()
        let decoded = try PriceHistoryReply.decoded(from: data, schemaTag: PriceHistoryReply.schemaTag)
        #expect(decoded.splits == splits)
        #expect(decoded.closes.map(\.date) == closes.map(\.date))
        #expect(decoded.closes.map(\.ticker) == closes.map(\.ticker))
        #expect(decoded.closes.map(\.close.bitPattern) == closes.map(\.close.bitPattern))
        #expect(
            try PriceHistoryReply.decoded(from: try PriceHistoryReply(closes: []).encoded())
                == PriceHistoryReply(closes: []))
        for length in 0..<data.count {
            #expect(throws: ContractError.self) { _ = try PriceHistoryReply.decoded(from: data.prefix(length)) }
        }
        #expect { _ = try PriceHistoryReply.decoded(from: try reply.jsonEncoded()) } throws: {
            "\($0)".contains("bad magic")
        }
        #expect(PriceHistoryReply.schemaTag == "price-history-reply/3")

        func payload(entry: Int, kind: String) -> Data {
            var writer = BinaryWriter()
            for byte in "EWPH".utf8 { writer.write(byte) }
            writer.writeCount(PriceHistoryReply.version)
            writer.writeCount(1)
            writer.write("A")
            writer.writeCount(1)
            writer.write(Self.day)
            writer.writeCount(entry)
            writer.write(1.5)
            writer.writeCount(1)
            writer.write(Self.day)
            writer.write("A")
            writer.write(kind)
            writer.write(2.0)
            return Data(writer.bytes)
        }
        #expect(try PriceHistoryReply.decoded(from: payload(entry: 0, kind: "split")).splits.count == 1)
        #expect { _ = try PriceHistoryReply.decoded(from: payload(entry: 1, kind: "split")) } throws: {
            "\($0)".contains("ticker 1 of a table of 1")
        }
        #expect { _ = try PriceHistoryReply.decoded(from: payload(entry: 0, kind: "merger")) } throws: {
            "\($0)".contains("unknown action kind merger")
        }
    }
}
