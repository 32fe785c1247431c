import Contracts
import Foundation
import Testing
import TradingCalendar

@Suite("The compositions reply's binary encoding")
struct CompositionsReplyTests {
    /// Ten years of a 100-member index: 2,520 sessions, members drawn from 150 tickers with long names.
    static func tenYears() -> CompositionsReply {
        let first = SessionDate("2015-01-02")!
        let sessions = (0..<2_520).map { session in
            SessionComposition(
                date: first.adding(days: session * 7 / 5),
                constituents: (0..<100).map { rank in
                    let stock = (rank + session / 20) % 150
                    return ConstituentDetail(
                        constituent: Constituent(
                            ticker: "TK\(stock)", rank: rank + 1, weight: 0.01,
                            marketCap: 1.234567e12 / Double(rank + 1),
                            close: 123.456789 + Double(session) / 7
                        ),
                        name: "Simulated Company Number \(stock) Holdings Inc.", sector: "Information Technology"
                    )
                }
            )
        }
        return CompositionsReply(sessions: sessions)
    }

    @Test(
        "decodes to exactly what was encoded: unknown metadata, one ticker with two names, odd ranks, a carried close, NaN"
    )
    func roundTrip() throws {
        let reply = CompositionsReply(sessions: [
            SessionComposition(
                date: SessionDate("2024-01-02")!,
                constituents: [
                    ConstituentDetail(
                        constituent: Constituent(ticker: "A", rank: 1, weight: 0.5, marketCap: 3e12, close: 190.5),
                        name: "A Inc.", sector: nil),
                    ConstituentDetail(
                        constituent: Constituent(
                            ticker: "B", rank: -3, weight: 0.5, marketCap: 2e12, close: 1 / 3,
                            lastCloseDate: SessionDate("2023-12-28")),
                        name: nil, sector: "Énergie"),
                ]),
            SessionComposition(date: SessionDate("2024-01-03")!, constituents: []),
            SessionComposition(
                date: SessionDate("2024-01-04")!,
                constituents: [
                    ConstituentDetail(
                        constituent: Constituent(ticker: "A", rank: 1_000_000, weight: 1, marketCap: 3e12, close: 191),
                        name: "A Corporation", sector: nil)
                ]),
        ])
        let data = try reply.encoded()
        #expect(try CompositionsReply.decoded(from: data, schemaTag: CompositionsReply.schemaTag) == reply)
        #expect(try CompositionsReply.decoded(from: try CompositionsReply(sessions: []).encoded()).sessions.isEmpty)
        let odd = CompositionsReply(sessions: [
            SessionComposition(
                date: SessionDate("2024-01-02")!,
                constituents: [
                    ConstituentDetail(
                        constituent: Constituent(ticker: "N", rank: 2, weight: .nan, marketCap: .infinity, close: 0),
                        name: nil, sector: nil)
                ])
        ])
        let decoded = try CompositionsReply.decoded(from: try odd.encoded()).sessions[0].constituents[0].constituent
        #expect(decoded.weight.isNaN && decoded.marketCap == .infinity)
    }

    @Test("a carried member in the last session decodes (its position and date take four bytes, at the very end)")
    func carriedLast() throws {
        let reply = CompositionsReply(sessions: [
            SessionComposition(
                date: SessionDate("2024-01-03")!,
                constituents: [
                    ConstituentDetail(
                        constituent: Constituent(
                            ticker: "A", rank: 1, weight: 1, marketCap: 3e12, close: 190.5,
                            lastCloseDate: SessionDate("2024-01-02")),
                        name: nil, sector: nil)
                ])
        ])
        #expect(try CompositionsReply.decoded(from: try reply.encoded()) == reply)
    }

    @Test("a truncated or foreign payload is malformed, not a crash")
    func malformed() throws {
        let data = try Self.tenYears().encoded()
        #expect(throws: ContractError.self) { try CompositionsReply.decoded(from: data.prefix(data.count / 2)) }
        #expect(throws: ContractError.self) { try CompositionsReply.decoded(from: Data("{}".utf8)) }
        #expect(throws: ContractError.self) {
            try CompositionsReply.decoded(from: data, schemaTag: PerformanceReply.schemaTag)
        }
    }

    @Test("ten years of a 100-member index is about 27 bytes a member, a seventh of its JSON")
    func tenYearsIsCompact() throws {
        let reply = Self.tenYears()
        let binary = try reply.encoded()
        let members = 252_000
        #expect(binary.count < members * 28, "\(binary.count) bytes")
        let json = try reply.jsonEncoded()
        #expect(binary.count * 7 < json.count, "\(binary.count) against \(json.count) bytes of JSON")
        #expect(try CompositionsReply.decoded(from: binary) == reply)
    }
}
