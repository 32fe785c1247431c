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
