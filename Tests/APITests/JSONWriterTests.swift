import APIService
import Contracts
import Foundation
import Methodology
import TestSupport
import Testing
import TradingCalendar

@Suite("Bodies that write their own JSON")
struct JSONWriterTests {
    /// Numbers whose text takes every form: integers, exponents either way, -0, shortest round trip.
    static func number(_ random: inout SeededGenerator) -> Double {
        switch Int.random(in: 0..<6, using: &random) {
        case 0: Double(Int.random(in: -1_000...1_000_000, using: &random))
        case 1: Double.random(in: -1...1, using: &random)
        case 2: Double.random(in: -1...1, using: &random) * 1e-9
        case 3: Double.random(in: 1e15...1e22, using: &random)
        case 4: [-0.0, 0.1 + 0.2, 1e16, 5e-324, 1e-7][Int.random(in: 0..<5, using: &random)]
        default: 1000 * (1 + Double.random(in: -0.1...0.1, using: &random))
        }
    }

    static func points(_ count: Int, _ random: inout SeededGenerator) -> [PerformancePoint] {
        let first = SessionDate("2023-12-29")!
        return (0..<count).map { offset in
            PerformancePoint(
                // Levels near 1000 (the analytics of a range must stay finite); returns and turnover of every form.
                date: first.adding(days: offset), level: 1000 * (1 + Double.random(in: -0.5...0.5, using: &random)),
                dailyReturn: number(&random),
                turnover: Bool.random(using: &random) ? abs(number(&random)) : nil)
        }
    }

    @Test("a performance body writes the bytes the encoder writes: empty, one session, many, with a benchmark")
    func performance() throws {
        var random = SeededGenerator(seed: 7)
        for count in [0, 1, 2, 3, 10, 252] {
            let points = Self.points(count, &random)
            for riskFreeRate in [0, 0.02, -0.5] {
                let analytics = RangeAnalytics(points: points, riskFreeRate: riskFreeRate)
                let plain = PerformanceBody(points: points, analytics: analytics)
                #expect(try JSONWriter.encode(plain) == OrderedJSONEncoder().encode(plain), "\(count) points")
                let other = Self.points(count, &random)
                let compared = PerformanceBody(
                    points: points, analytics: analytics,
                    benchmark: BenchmarkAnalytics(index: "tech \"50\"/\u{1}", points: points, benchmark: other))
                #expect(try JSONWriter.encode(compared) == OrderedJSONEncoder().encode(compared), "\(count) points")
            }
        }
    }

    @Test("a composition body writes the bytes the encoder writes, escapes and unknown metadata included")
    func composition() throws {
        var random = SeededGenerator(seed: 11)
        let names: [String?] = [nil, "Apple Inc.", "A \"B\" \\ C/D\n\t\u{7}", "Société Générale", ""]
        let members = (0..<100).map { rank in
            ConstituentDetail(
                constituent: Constituent(
                    ticker: "T\(rank)", rank: rank + 1, weight: Self.number(&random),
                    marketCap: abs(Self.number(&random)), close: abs(Self.number(&random))),
                name: names[rank % names.count], sector: names[(rank + 2) % names.count])
        }
        for count in [0, 1, 100] {
            let body = CompositionBody(
                date: SessionDate("2024-06-30")!, asOf: SessionDate("2024-06-28")!,
                constituents: Array(members.prefix(count)))
            let written = try JSONWriter.encode(body)
            #expect(written == (try OrderedJSONEncoder().encode(body)))
            #expect((try? JSONSerialization.jsonObject(with: Data(written))) != nil)
        }
    }

    @Test("a number JSON cannot hold is refused, as the encoder refuses it")
    func nonFinite() throws {
        for bad in [Double.nan, .infinity, -.infinity] {
            let body = CompositionBody(
                date: SessionDate("2024-06-28")!, asOf: SessionDate("2024-06-28")!,
                constituents: [
                    ConstituentDetail(
                        constituent: Constituent(ticker: "A", rank: 1, weight: 1, marketCap: bad, close: 1),
                        name: nil, sector: nil)
                ])
            #expect(throws: EncodingError.self) { _ = try JSONWriter.encode(body) }
            #expect(throws: EncodingError.self) { _ = try OrderedJSONEncoder().encode(body) }
        }
    }
}
