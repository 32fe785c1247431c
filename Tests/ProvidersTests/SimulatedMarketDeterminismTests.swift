import Contracts
import Foundation
import Providers
import Testing
import TradingCalendar

@Suite("Simulated market: determinism and random access")
struct SimulatedMarketDeterminismTests {
    @Test("two markets with the same seed give bit-identical sessions")
    func sameSeedSameData() {
        let first = SimulatedMarket(tickers: 400, seed: 7)
        let second = SimulatedMarket(tickers: 400, seed: 7)
        #expect(first.allStocks == second.allStocks)
        for date in [day("2000-01-03"), day("2012-06-14"), day("2030-12-31")] {
            let rows = first.rows(on: date)
            #expect(!rows.isEmpty)
            #expect(sameBits(rows, second.rows(on: date)))
        }
    }

    @Test("a different seed gives different tickers and prices")
    func differentSeedDifferentData() {
        let first = SimulatedMarket(tickers: 400, seed: 7)
        let second = SimulatedMarket(tickers: 400, seed: 8)
        #expect(first.allStocks.map(\.ticker) != second.allStocks.map(\.ticker))
        let date = day("2018-03-01")
        #expect(first.rows(on: date).map(\.close) != second.rows(on: date).map(\.close))
    }

    /// Sessions where the generator's state changes shape: the first session of the data, a year's first and last
    /// session, a quarter start, mid-year, and the last session of the data.
    static let dates = [
        "2000-01-03", "2001-01-02", "2015-12-31", "2016-01-04", "2019-07-01", "2019-07-15", "2024-12-31",
        "2030-01-02", "2030-12-31",
    ]

    @Test("random access equals range generation started in an earlier year", arguments: dates)
    func randomAccessEqualsRange(date text: String) throws {
        let market = Markets.small
        let date = day(text)
        let alone = try #require(market.session(on: date))
        // Ranges starting more than a year earlier, the previous session, and on the date itself.
        let calendar = NYSECalendar.standard
        let starts = [
            date.adding(days: -400), date.adding(days: -40), calendar.previousSession(before: date) ?? date, date,
        ]
        for start in starts {
            let generated = Array(market.sessions(from: start, to: date))
            let last = try #require(generated.last)
            #expect(last.date == date)
            #expect(sameBits(last.rows, alone.rows), "range from \(start) differs from random access on \(date)")
            #expect(last.stocks == alone.stocks)
        }
    }

    @Test("every session of a range that crosses two year ends equals its random-access twin")
    func wholeRangeEqualsRandomAccess() {
        let market = SimulatedMarket(tickers: 150, seed: 99)
        let sessions = Array(market.sessions(from: day("2015-12-01"), to: day("2017-01-31")))
        #expect(sessions.count == NYSECalendar.standard.sessions(from: day("2015-12-01"), to: day("2017-01-31")).count)
        for session in sessions {
            #expect(sameBits(session.rows, market.rows(on: session.date)), "session \(session.date)")
        }
    }

    /// The market a seed gives must not change with the generator's code: demos, benchmarks and users' test data
    /// are reproducible from `SIM_SEED`. The fingerprint covers rows, stocks and actions of a range crossing a year
    /// end (splits and dividends included) and random access across the whole coverage.
    @Test("the data of a seed is pinned: a fingerprint of ranges and random access")
    func pinnedFingerprint() throws {
        let market = SimulatedMarket(tickers: 300, seed: 42)
        var bytes = Data()
        var actions = 0
        for session in market.sessions(from: day("2014-11-03"), to: day("2016-02-26")) {
            actions += session.actions.count
            bytes.append(try Self.encoded(session))
        }
        for text in ["2000-01-03", "2008-10-10", "2019-07-01", "2030-12-31"] {
            bytes.append(try Self.encoded(try #require(market.session(on: day(text)))))
        }
        #expect(actions > 20)
        #expect(ContentHash.hex(bytes) == "5ff3ac20bdea2c8c04d5c02ef9466037")
    }

    private static func encoded(_ session: SimSession) throws -> Data {
        try PriceBatch(
            batchID: "", date: session.date, source: "sim", rows: session.rows, stocks: session.stocks,
            actions: session.actions
        ).encoded()
    }

    @Test("the open is near the previous close, split and dividends off, on every session, across year ends too")
    func pathIsContinuous() {
        let market = Markets.small
        var previous: [String: Double] = [:]
        var compared = 0
        var adjusted = 0
        for session in market.sessions(from: day("2019-12-02"), to: day("2020-03-31")) {
            var closes: [String: Double] = [:]
            // The previous close on the basis of this session: divided by a split's ratio, less the dividends.
            var reference = previous
            for action in session.actions {
                guard let value = action.value, let close = reference[action.ticker] else { continue }
                reference[action.ticker] = action.knownKind == .split ? close / value : close - value
                adjusted += 1
            }
            for row in session.rows where defect(of: row) == nil && closes[row.ticker] == nil {
                closes[row.ticker] = row.close
                if let close = reference[row.ticker], close > 5, let open = row.open {
                    // The open gaps by at most half the idiosyncratic volatility (<= 2.1 %) plus a cent.
                    #expect(abs(open / close - 1) < 0.025, "\(row.ticker) \(session.date): \(close) -> \(open)")
                    compared += 1
                }
            }
            previous = closes
        }
        #expect(compared > 10_000 && adjusted > 50, "\(compared) opens, \(adjusted) adjusted")
    }
}
