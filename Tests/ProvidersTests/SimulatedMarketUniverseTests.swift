import Contracts
import Providers
import Testing
import TradingCalendar

@Suite("Simulated market: universe, listings and sessions")
struct SimulatedMarketUniverseTests {
    static let gicsSectors: Set<String> = [
        "Information Technology", "Health Care", "Financials", "Consumer Discretionary", "Industrials",
        "Communication Services", "Consumer Staples", "Energy", "Utilities", "Real Estate", "Materials",
    ]

    @Test("the universe holds SIM_TICKERS / 0.52 stocks with unique 1-5 letter tickers, 11 sectors and 3 exchanges")
    func universe() {
        let stocks = Markets.standard.allStocks
        #expect(stocks.count == 11_539)
        #expect(Markets.standard.universeSize == 11_539)
        #expect(Set(stocks.map(\.ticker)).count == 11_539)
        #expect(stocks.map(\.ticker) == stocks.map(\.ticker).sorted())
        #expect(
            stocks.allSatisfy { stock in
                (1...5).contains(stock.ticker.utf8.count)
                    && stock.ticker.utf8.allSatisfy { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }
            })
        #expect(Set(stocks.map(\.sector)) == Self.gicsSectors)
        #expect(Set(stocks.map(\.exchange)) == ["NYSE", "NASDAQ", "NYSE American"])
        #expect(stocks.allSatisfy { !$0.name.isEmpty })
        #expect(stocks.contains { $0.name.contains(",") }, "some names need CSV quoting")
    }

    @Test("tickers stay unique for large universes", arguments: [1, 26, 27, 703, 20_000, 100_000])
    func uniqueTickers(count: Int) {
        let tickers = SimulatedMarket(tickers: count, seed: 3).allStocks.map(\.ticker)
        #expect(Set(tickers).count == SimulatedMarket.universeSize(listed: count))
    }

    @Test(
        "about SIM_TICKERS stocks are listed on any session",
        arguments: ["2000-01-03", "2015-01-02", "2024-12-31", "2030-12-31"])
    func listedCount(date: String) {
        let listed = Markets.standard.stocks(on: day(date)).count
        // 6,000 asked for: listings and delistings keep the listed count within a few percent of it.
        #expect((5_400...6_600).contains(listed), "\(listed) listed on \(date)")
    }

    @Test("stocks list and delist at 2-4 % a year each way over 2015-2024")
    func listingsAndDelistings() throws {
        let market = Markets.standard
        let start = Set(market.stocks(on: day("2015-01-02")).map(\.ticker))
        let end = Set(market.stocks(on: day("2024-12-31")).map(\.ticker))
        let listed = end.subtracting(start).count
        let delisted = start.subtracting(end).count
        let yearlyListings = Double(listed) / Double(start.count) / 10
        let yearlyDelistings = Double(delisted) / Double(start.count) / 10
        #expect((0.02...0.04).contains(yearlyListings), "listings a year: \(yearlyListings)")
        #expect((0.02...0.04).contains(yearlyDelistings), "delistings a year: \(yearlyDelistings)")

        // A stock listed inside the period has no row before its first session and rows from it on.
        let newcomer = try #require(end.subtracting(start).sorted().first)
        let listing = try #require(market.listing(of: newcomer))
        let before = try #require(NYSECalendar.standard.previousSession(before: listing.first))
        #expect(!market.rows(on: before).contains { $0.ticker == newcomer })
        #expect(!market.stocks(on: before).contains { $0.ticker == newcomer })
        #expect(market.stocks(on: listing.first).contains { $0.ticker == newcomer })
    }

    @Test("a delisted stock has no rows after its last session")
    func delisting() throws {
        let market = Markets.small
        let gone = try #require(
            market.allStocks.lazy.compactMap { stock in market.listing(of: stock.ticker)?.last.map { (stock, $0) } }
                .first { $0.1 > day("2005-01-01") && $0.1 < day("2029-01-01") })
        let after = try #require(NYSECalendar.standard.nextSession(after: gone.1))
        #expect(!market.stocks(on: after).contains(gone.0))
        #expect(!market.rows(on: after).contains { $0.ticker == gone.0.ticker })
        #expect(market.stocks(on: gone.1).contains(gone.0))
    }

    @Test("only NYSE sessions produce rows")
    func onlySessions() {
        let market = Markets.small
        for text in ["2024-12-25", "2024-07-04", "2024-06-08", "2024-06-09", "1999-12-31", "2031-01-02"] {
            #expect(market.rows(on: day(text)).isEmpty, "\(text)")
            #expect(market.session(on: day(text)) == nil, "\(text)")
        }
        let range = market.sessions(from: day("2024-12-20"), to: day("2025-01-06")).map(\.date)
        #expect(range == NYSECalendar.standard.sessions(from: day("2024-12-20"), to: day("2025-01-06")))
        #expect(market.sessions(from: day("2031-01-01"), to: day("2031-12-31")).map(\.date).isEmpty)
        #expect(market.sessions(from: day("2020-01-10"), to: day("2020-01-01")).map(\.date).isEmpty)
    }

    @Test("stocks on a closed day are those listed around it")
    func stocksOnClosedDay() {
        let market = Markets.small
        let saturday = market.stocks(on: day("2021-06-12"))
        #expect(saturday == market.stocks(on: day("2021-06-11")) || saturday == market.stocks(on: day("2021-06-14")))
        #expect(!saturday.isEmpty)
    }

    @Test("rows are ordered by ticker; a duplicate follows its original")
    func rowOrder() {
        for session in Markets.standard.sessions(from: day("2022-03-01"), to: day("2022-03-10")) {
            let tickers = session.rows.map(\.ticker)
            #expect(zip(tickers, tickers.dropFirst()).allSatisfy { $0 <= $1 })
            #expect(session.stocks.map(\.ticker) == session.stocks.map(\.ticker).sorted())
            #expect(Set(tickers).isSubset(of: Set(session.stocks.map(\.ticker))))
        }
    }
}
