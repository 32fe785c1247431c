import Contracts
import Foundation
import Providers
import TestSupport
import Testing
import TradingCalendar

@Suite("CSV prices and metadata files")
struct CSVPriceFileTests {
    static let header = "date,ticker,open,high,low,close,volume,market_cap"

    /// Parses `text` as a prices file.
    func parse(_ text: String) throws -> [PriceRow] {
        try CSVPriceFile.parsePrices(Array(text.utf8))
    }

    @Test("a well-formed file loads with exact values, grouped by date")
    func goodFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let prices = try write(
            """
            \(Self.header)
            2024-01-02,AAPL,187.15,188.44,183.89,185.64,82488700,2870000000000
            2024-01-02,MSFT,373.86,375.9,366.77,370.87,25258600,2.756e12
            2024-01-03,AAPL,184.22,185.88,183.43,184.25,58414500,2849000000000

            """, named: "prices.csv", in: directory)
        let data = try CSVPriceFile.load(prices: prices, stocks: nil)
        #expect(data.rowCount == 3)
        #expect(data.dates == [day("2024-01-02"), day("2024-01-03")])
        #expect(data.stocks.isEmpty)
        let first = try #require(data.rows(on: day("2024-01-02")))
        #expect(
            first == [
                PriceRow(
                    date: day("2024-01-02"), ticker: "AAPL", open: 187.15, high: 188.44, low: 183.89, close: 185.64,
                    volume: 82_488_700, marketCap: 2_870_000_000_000),
                PriceRow(
                    date: day("2024-01-02"), ticker: "MSFT", open: 373.86, high: 375.9, low: 366.77, close: 370.87,
                    volume: 25_258_600, marketCap: 2.756e12),
            ])
        #expect(data.sessions[day("2024-01-03")]?.map(\.close) == [184.25])
    }

    @Test("a byte order mark, CRLF line ends, quoted fields and surrounding spaces are tolerated")
    func tolerance() throws {
        let text =
            "\u{FEFF} date , ticker,open,high,low,close,volume,market_cap \r\n"
            + "2024-01-02 , AAPL ,\"187.15\", 188.44 ,\t183.89,185.64,82488700,2870000000000\r\n"
            + "\"2024-01-03\",\"MSFT\",1,2,0.5,1.5,10,\"20\"\r\n"
        let rows = try parse(text)
        #expect(rows.map(\.ticker) == ["AAPL", "MSFT"])
        #expect(rows[0].open == 187.15 && rows[0].high == 188.44 && rows[0].low == 183.89)
        #expect(rows[1].date == day("2024-01-03") && rows[1].marketCap == 20)
    }

    @Test("the last line may lack its line end")
    func noFinalNewline() throws {
        let rows = try parse("\(Self.header)\n2024-01-02,AAPL,1,2,0.5,1.5,10,20")
        #expect(rows.map(\.marketCap) == [20])
    }

    @Test("empty numeric fields are missing values")
    func emptyFields() throws {
        let rows = try parse("\(Self.header)\n2024-01-02,AAPL,,,  ,185.64,,\n2024-01-02,MSFT,,,,,,\"\"\n")
        #expect(
            rows == [
                PriceRow(date: day("2024-01-02"), ticker: "AAPL", close: 185.64, marketCap: nil),
                PriceRow(date: day("2024-01-02"), ticker: "MSFT", close: nil, marketCap: nil),
            ])
    }

    @Test("nan and inf spellings are kept as non-finite values, not missing ones")
    func nonFinite() throws {
        let rows = try parse("\(Self.header)\n2024-01-02,AAPL,nan,NaN,inf,-inf,Infinity,-INFINITY\n")
        let row = try #require(rows.first)
        #expect(row.open?.isNaN == true && row.high?.isNaN == true)
        #expect(row.low == .infinity && row.close == -.infinity)
        #expect(row.volume == .infinity && row.marketCap == -.infinity)
    }

    @Test("numbers parse exactly as Double(String) does")
    func numberParsing() throws {
        var generator = SeededGenerator(seed: 11)
        var texts = [
            "0", "-0", "+1", "1.", ".5", "-.5", "0.1", "0.30000000000000004", "1e-7", "1E+22", "1e23",
            "9007199254740993",
            "123456789012345678901234567890", "0.000000000000000000000000001", "1e308", "1e309", "4.9e-324", "1e-400",
            "2.2250738585072011e-308", "00012.500", "17976931348623157e292", "283860055.79999995",
        ]
        for _ in 0..<3000 {
            let digits = String(generator.next() % 100_000_000_000_000_000)
            let split = Int(generator.next() % UInt64(digits.count + 1))
            let exponent = Int(generator.next() % 61) - 30
            let mantissa = "\(digits.prefix(split)).\(digits.dropFirst(split))"
            texts.append(generator.next() % 3 == 0 ? "\(mantissa)e\(exponent)" : mantissa)
        }
        let body = texts.map { "2024-01-02,T,,,,\($0),," }.joined(separator: "\n")
        let rows = try parse("\(Self.header)\n\(body)\n")
        for (text, row) in zip(texts, rows) {
            let expected = try #require(Double(text))
            #expect(row.close?.bitPattern == expected.bitPattern, "\(text)")
        }
    }

    @Test("rows of a date keep their file order; dates that are not sessions are kept")
    func fileOrder() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let prices = try write(
            """
            \(Self.header)
            2024-01-03,BBB,,,,2,,20
            2024-01-02,AAA,,,,1,,10
            2024-01-03,CCC,,,,3,,30
            2024-01-02,AAA,,,,1.5,,15
            2024-01-06,ZZZ,,,,9,,90
            2024-01-03,AAA,,,,4,,40
            """, named: "prices.csv", in: directory)
        let data = try CSVPriceFile.load(prices: prices, stocks: nil)
        #expect(data.dates == [day("2024-01-02"), day("2024-01-03"), day("2024-01-06")])
        #expect(data.rows(on: day("2024-01-03"))?.map(\.ticker) == ["BBB", "CCC", "AAA"])
        #expect(data.rows(on: day("2024-01-02"))?.map(\.close) == [1, 1.5])
        #expect(data.rows(on: day("2024-01-06"))?.count == 1)
        #expect(!NYSECalendar.standard.isSession(day("2024-01-06")))
        var streamed: [String] = []
        try CSVPriceFile.forEachRow(in: prices) { streamed.append($0.ticker) }
        #expect(streamed == ["BBB", "AAA", "CCC", "AAA", "ZZZ", "AAA"])
    }

    @Test("a metadata file with quoted commas and quotes loads; a repeated ticker keeps its first line")
    func metadata() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let prices = try write("\(Self.header)\n2024-01-02,AAPL,,,,1,,10\n", named: "prices.csv", in: directory)
        let stocks = try write(
            """
            ticker,name,sector,exchange
            AAPL,"Apple, Inc.",Information Technology,NASDAQ
            BRK.B,"Berkshire ""Hathaway"", Inc.",Financials,NYSE
            AAPL,Duplicate,Other,NYSE
            "T","AT&T
            Inc.", Communication Services ,"NYSE"
            """, named: "stocks.csv", in: directory)
        let data = try CSVPriceFile.load(prices: prices, stocks: stocks)
        #expect(
            data.stocks == [
                StockInfo(ticker: "AAPL", name: "Apple, Inc.", sector: "Information Technology", exchange: "NASDAQ"),
                StockInfo(
                    ticker: "BRK.B", name: "Berkshire \"Hathaway\", Inc.", sector: "Financials", exchange: "NYSE"),
                StockInfo(ticker: "T", name: "AT&T\nInc.", sector: "Communication Services", exchange: "NYSE"),
            ])
    }

    @Test("written files read back bit for bit")
    func roundTrip() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let market = Markets.small
        let sessions = Array(market.sessions(from: day("2023-01-01"), to: day("2023-03-31")))
        let pricesURL = directory.appendingPathComponent("prices.csv")
        var writer = try CSVPriceWriter(url: pricesURL)
        var extra = PriceRow(date: day("2023-01-03"), ticker: "X\"Y, Z", close: -.infinity, marketCap: .nan)
        extra.volume = -0.0
        for session in sessions {
            for row in session.rows { try writer.write(row) }
        }
        try writer.write(extra)
        try writer.finish()
        let stocksURL = directory.appendingPathComponent("stocks.csv")
        try CSVPriceWriter.writeStocks(market.allStocks, to: stocksURL)

        let data = try CSVPriceFile.load(prices: pricesURL, stocks: stocksURL)
        #expect(data.dates == sessions.map(\.date))
        #expect(data.stocks == market.allStocks)
        for session in sessions {
            var expected = session.rows.map { row in
                // The file has no shares column: shares-only rows come back without a market cap.
                var row = row
                row.sharesOutstanding = nil
                return row
            }
            if session.date == extra.date { expected.append(extra) }
            #expect(sameBits(data.rows(on: session.date) ?? [], expected), "\(session.date)")
        }
    }
}
