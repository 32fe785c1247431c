import Contracts
import Foundation
import Providers
import Testing
import TradingCalendar

@Suite("Price providers")
struct PriceProviderTests {
    @Test("the sim provider serves the market's sessions, and nil on closed days")
    func simulated() async throws {
        let provider: any PriceProvider = SimulatedProvider(market: Markets.small)
        #expect(provider.name == "sim")
        #expect(try await provider.session(day("2024-12-25")) == nil)
        #expect(try await provider.session(day("2031-01-02")) == nil)
        let session = try #require(try await provider.session(day("2024-03-15")))
        let expected = try #require(Markets.small.session(on: day("2024-03-15")))
        #expect(
            session.date == expected.date && sameBits(session.rows, expected.rows) && session.stocks == expected.stocks)
    }

    @Test("consecutive, repeated and out-of-order requests give the random-access data")
    func simulatedSequence() async throws {
        let market = SimulatedMarket(tickers: 200, seed: 5)
        let provider = SimulatedProvider(market: market)
        let dates = NYSECalendar.standard.sessions(from: day("2019-12-20"), to: day("2020-01-10"))
        let order = dates + [dates[3], dates[3], dates[0]] + dates.reversed()
        for date in order {
            let served = try #require(try await provider.session(date))
            #expect(sameBits(served.rows, market.rows(on: date)), "\(date)")
        }
    }

    @Test("ranges, each continuing the last or not, closed days at either end, give the random-access data and actions")
    func simulatedRanges() async throws {
        let market = SimulatedMarket(tickers: 150, seed: 3)
        let provider = SimulatedProvider(market: market)
        // Across a year and a quarter boundary; then a range right after (the parked cursor goes on), one
        // session at a time, a repeat, a jump back, and a range with no session at all.
        let ranges: [(String, String)] = [
            ("2019-12-28", "2020-01-06"), ("2020-01-07", "2020-01-07"), ("2020-01-08", "2020-01-08"),
            ("2020-01-08", "2020-01-10"), ("2019-12-30", "2019-12-31"), ("2020-03-30", "2020-04-02"),
            ("2020-04-03", "2020-04-13"), ("2020-04-11", "2020-04-12"),
        ]
        for (start, end) in ranges {
            var served: [ProviderSession] = []
            try await provider.forEachSession(from: day(start), through: day(end)) { served.append($0) }
            let expected = Array(market.sessions(from: day(start), to: day(end)))
            #expect(served.map(\.date) == expected.map(\.date), "\(start)...\(end)")
            #expect(
                served.map(\.date) == NYSECalendar.standard.sessions(from: day(start), to: day(end)),
                "\(start)...\(end)")
            for (mine, theirs) in zip(served, expected) {
                #expect(sameBits(mine.rows, theirs.rows), "\(mine.date)")
                #expect(mine.actions == theirs.actions && mine.stocks == theirs.stocks, "\(mine.date)")
            }
        }
        // A one-session request after a range continues it too, with the same data.
        let next = try #require(try await provider.session(day("2020-04-14")))
        #expect(sameBits(next.rows, market.rows(on: day("2020-04-14"))))
    }

    @Test("concurrent requests are safe and correct")
    func simulatedConcurrent() async throws {
        let market = SimulatedMarket(tickers: 100, seed: 9)
        let provider = SimulatedProvider(market: market)
        let dates = NYSECalendar.standard.sessions(from: day("2022-01-03"), to: day("2022-01-31"))
        let served = try await withThrowingTaskGroup(of: ProviderSession?.self) { group in
            for date in dates + dates { group.addTask { try await provider.session(date) } }
            var result: [ProviderSession] = []
            for try await session in group { if let session { result.append(session) } }
            return result
        }
        #expect(served.count == dates.count * 2)
        for session in served {
            #expect(sameBits(session.rows, market.rows(on: session.date)), "\(session.date)")
        }
    }

    @Test("the csv provider serves the file's dates in file order with their tickers' metadata")
    func csv() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let prices = try write(
            """
            date,ticker,open,high,low,close,volume,market_cap
            2024-01-02,MSFT,,,,370.87,,2756000000000
            2024-01-02,AAPL,,,,185.64,,2870000000000
            2024-01-02,MSFT,,,,371,,2757000000000
            2024-01-02,NEW,,,,10,,1000000000
            2024-01-06,AAPL,,,,1,,1
            """, named: "prices.csv", in: directory)
        let stocks = try write(
            """
            ticker,name,sector,exchange
            AAPL,"Apple, Inc.",Information Technology,NASDAQ
            MSFT,Microsoft Corporation,Information Technology,NASDAQ
            XOM,Exxon Mobil Corporation,Energy,NYSE
            """, named: "stocks.csv", in: directory)
        let provider: any PriceProvider = try CSVProvider(prices: prices, stocks: stocks)
        #expect(provider.name == "csv")
        let session = try #require(try await provider.session(day("2024-01-02")))
        #expect(session.rows.map(\.ticker) == ["MSFT", "AAPL", "MSFT", "NEW"])
        #expect(session.rows.map(\.close) == [370.87, 185.64, 371, 10])
        #expect(session.stocks.map(\.ticker) == ["MSFT", "AAPL"])
        #expect(session.stocks.first?.name == "Microsoft Corporation")
        #expect(try await provider.session(day("2024-01-03")) == nil)
        #expect(try await provider.session(day("2024-01-06"))?.rows.count == 1)
        #expect((provider as? CSVProvider)?.dates == [day("2024-01-02"), day("2024-01-06")])
    }

    @Test("providers can be chosen by name behind the protocol")
    func byName() throws {
        let providers: [any PriceProvider] = [
            SimulatedProvider(), CSVProvider(data: CSVData(sessions: [:], stocks: [])),
        ]
        #expect(providers.map(\.name) == ["sim", "csv"])
    }
}
