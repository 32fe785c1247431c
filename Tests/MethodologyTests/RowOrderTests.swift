import Contracts
import Methodology
import Testing
import TradingCalendar

/// Storage hands a session's rows over in ticker order, the pipeline in the provider's: the calculator reads ASCII
/// tickers in ascending order without a set of tickers and finds the members by binary search, anything else with
/// lookups per row. Both must give the same bits.
@Suite("IndexCalculator: the same results whatever the order of a session's rows")
struct RowOrderTests {
    /// ASCII tickers, and tickers whose UTF-8 byte order differs from a naive character order ("Ä" after "ZZ").
    static let tickerSets = [
        (0..<36).map { "T\($0)" } + ["ZZ", "AB", "a", "Z", "T1A", "B"],
        (0..<36).map { "T\($0)" } + ["ZZ", "Ä", "AB", "a", "Z", "É1"],
    ]

    static func stocks(_ tickers: [String]) -> [StockInfo] {
        tickers.enumerated().map { offset, ticker in
            StockInfo(ticker: ticker, name: ticker, sector: offset % 3 == 0 ? "Energy" : "Tech", exchange: "NYSE")
        }
    }

    /// Session `day`'s rows: some stocks have none some days, some share a market cap (ties), one has an unusable
    /// close.
    static func rows(_ tickers: [String], day: Int) -> [ValidRow] {
        tickers.enumerated().compactMap { offset, ticker in
            guard (offset + day) % 7 != 0 else { return nil }
            let close = offset == 5 && day == 4 ? 0 : 10 + Double((offset * 13 + day * 7) % 17) + Double(offset) / 16
            let cap = Double(1_000 + ((offset * 29 + day * 5) % 23) * 100)
            return ValidRow(
                ticker: ticker, open: nil, high: nil, low: nil, close: close, volume: nil, marketCap: cap)
        }
    }

    static let definitions = [
        IndexDefinition(id: "daily", size: 10),
        IndexDefinition(id: "weekly-buffer", size: 8, rebalance: .weekly, buffer: 3),
        IndexDefinition(id: "tech-cap", size: 6, universe: .init(sectors: ["Tech"]), weighting: .marketCap),
    ]

    @Test("rows in UTF-8 ticker order and the same rows in other orders", arguments: definitions, tickerSets)
    func sameBits(definition: IndexDefinition, tickers: [String]) {
        let calculator = IndexCalculator(definition: definition)
        let dates = Array(
            NYSECalendar.standard.sessions(from: SessionDate("2024-03-01")!, to: SessionDate("2024-06-30")!)
                .prefix(40))
        var previous: [IndexResult?] = [nil, nil, nil]
        for (day, date) in dates.enumerated() {
            let ascending = Self.rows(tickers, day: day).sorted {
                $0.ticker.utf8.lexicographicallyPrecedes($1.ticker.utf8)
            }
            let orders = [
                ascending, Array(ascending.reversed()), Array(ascending[(day % 5)...] + ascending[..<(day % 5)]),
            ]
            let results = orders.enumerated().map { offset, rows in
                calculator.compute(
                    date: date, rows: rows, stocks: Self.stocks(tickers), previous: previous[offset], sourceBatchID: "b"
                )
            }
            #expect(results[0] == results[1] && results[0] == results[2], "\(definition.id) on \(date)")
            #expect(Set(results.map(\.level.bitPattern)).count == 1)
            previous = results.map { $0.isRetraction ? nil : $0 }
        }
        #expect(previous[0]?.constituents.isEmpty == false)
    }
}

@Suite("IndexCalculator: ticker order")
struct TickerOrderTests {
    static func rows(_ tickers: [String]) -> [ValidRow] {
        tickers.map {
            ValidRow(ticker: $0, open: nil, high: nil, low: nil, close: 1, volume: nil, marketCap: 1)
        }
    }

    @Test("UTF-8 byte order: shorter prefix first, upper case before lower, non-ASCII last")
    func byteOrder() {
        let ordered = ["", "A", "AB", "B", "T1", "T1A", "T2", "Z", "a", "z", "Ä€", "É"]
        for (offset, left) in ordered.enumerated() {
            for (other, right) in ordered.enumerated() {
                #expect(TickerOrder.precedes(left, right) == (offset < other), "\(left) \(right)")
            }
        }
    }

    @Test("the fast path is for ASCII tickers in strictly ascending order only")
    func ascending() {
        #expect(IndexCalculator.tickersAscending(Self.rows(["A", "AB", "B", "T1", "T10", "T2", "a"])))
        #expect(IndexCalculator.tickersAscending(Self.rows([])))
        #expect(!IndexCalculator.tickersAscending(Self.rows(["A", "B", "B"])))
        #expect(!IndexCalculator.tickersAscending(Self.rows(["B", "A"])))
        #expect(!IndexCalculator.tickersAscending(Self.rows(["A", "É"])))
    }
}
