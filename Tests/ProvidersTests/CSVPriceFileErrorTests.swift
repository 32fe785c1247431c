import Foundation
import Providers
import Testing

@Suite("CSV files: malformed input")
struct CSVPriceFileErrorTests {
    static let header = "date,ticker,open,high,low,close,volume,market_cap"
    static let good = "2024-01-02,AAPL,187.15,188.44,183.89,185.64,82488700,2870000000000"

    /// The message `CSVPriceFile` gives for a prices file of `lines`, nil when it parses.
    func priceError(_ lines: [String], name: String = "prices.csv") -> String? {
        do {
            _ = try CSVPriceFile.parsePrices(Array(lines.joined(separator: "\n").utf8), name: name)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test(
        "a malformed line names the file, its line and what is wrong",
        arguments: [
            ("2024-01-02,AAPL,1,2,3", "prices.csv:3: expected 8 fields, found 5"),
            ("2024-01-02,AAPL,1,2,1,1,5,6,7", "prices.csv:3: expected 8 fields, found 9"),
            ("2024-1-02,AAPL,1,2,1,1,5,6", "prices.csv:3: field 1 (date) \"2024-1-02\" is not a date (YYYY-MM-DD)"),
            ("2024-02-30,AAPL,1,2,1,1,5,6", "prices.csv:3: field 1 (date) \"2024-02-30\" is not a date (YYYY-MM-DD)"),
            ("02/01/2024,AAPL,1,2,1,1,5,6", "prices.csv:3: field 1 (date) \"02/01/2024\" is not a date (YYYY-MM-DD)"),
            (",AAPL,1,2,1,1,5,6", "prices.csv:3: field 1 (date) \"\" is not a date (YYYY-MM-DD)"),
            ("2024-01-02,AAPL,1,2,1,\"12,3x\",5,6", "prices.csv:3: field 6 (close) \"12,3x\" is not a number"),
            ("2024-01-02,AAPL,x,2,1,1,5,6", "prices.csv:3: field 3 (open) \"x\" is not a number"),
            ("2024-01-02,AAPL,1,2,1,1,1.2.3,6", "prices.csv:3: field 7 (volume) \"1.2.3\" is not a number"),
            ("2024-01-02,AAPL,1,2,1,1,5,0x1p3", "prices.csv:3: field 8 (market_cap) \"0x1p3\" is not a number"),
            ("2024-01-02,AAPL,1,2,1e,1,5,6", "prices.csv:3: field 5 (low) \"1e\" is not a number"),
            ("2024-01-02,AAPL,1,\"2\"\"\",1,1,5,6", "prices.csv:3: field 4 (high) \"2\"\" is not a number"),
            ("2024-01-02,  ,1,2,1,1,5,6", "prices.csv:3: field 2 (ticker) is empty"),
            ("2024-01-02,\"\",1,2,1,1,5,6", "prices.csv:3: field 2 (ticker) is empty"),
            ("2024-01-02,\"AA\"PL,1,2,1,1,5,6", "prices.csv:3: field 2: text after the closing quote"),
            ("2024-01-02,\"AAPL,1,2,1,1,5,6", "prices.csv:3: unterminated quoted field"),
        ])
    func malformedLine(line: String, message: String) {
        #expect(priceError([Self.header, Self.good, line, Self.good]) == message)
    }

    @Test("a wrong header names the expected one")
    func wrongHeader() {
        let expected = "expected \"date,ticker,open,high,low,close,volume,market_cap\""
        #expect(
            priceError(["date,ticker,close", Self.good])
                == "prices.csv:1: header is \"date,ticker,close\", \(expected)")
        #expect(
            priceError(["ticker,date,open,high,low,close,volume,market_cap"])
                == "prices.csv:1: header is \"ticker,date,open,high,low,close,volume,market_cap\", \(expected)")
        #expect(
            priceError(["Date,Ticker,Open,High,Low,Close,Volume,Market_Cap"])
                == "prices.csv:1: header is \"Date,Ticker,Open,High,Low,Close,Volume,Market_Cap\", \(expected)")
        #expect(priceError([Self.good]) == "prices.csv:1: header is \"\(Self.good)\", \(expected)")
        #expect(priceError([""]) == "prices.csv:1: no header, \(expected)")
    }

    @Test("line numbers count blank lines, CRLF lines and line breaks inside quoted fields")
    func lineNumbers() {
        #expect(priceError([Self.header, "", Self.good, "", "bad"]) == "prices.csv:5: expected 8 fields, found 1")
        #expect(
            priceError([Self.header + "\r", Self.good + "\r", "\r", "x\r"])
                == "prices.csv:4: expected 8 fields, found 1")
        #expect(
            priceError([Self.header, "2024-01-02,\"A", "B\",1,2,1,1,5,6", "2024-01-02,C,1,2,1,1,5,nope"])
                == "prices.csv:4: field 8 (market_cap) \"nope\" is not a number")
        #expect(
            priceError([Self.header, "2024-01-02,\"A", "B,1,2,1,1,5,6"]) == "prices.csv:2: unterminated quoted field")
    }

    @Test("errors from files name the file and the metadata rules")
    func fileErrors() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let prices = try write(
            [Self.header, Self.good, "2024-01-02,MSFT,1,2,1,oops,5,6"].joined(separator: "\n"), named: "daily.csv",
            in: directory)
        #expect(throws: CSVError(file: "daily.csv", line: 3, message: "field 6 (close) \"oops\" is not a number")) {
            try CSVPriceFile.load(prices: prices, stocks: nil)
        }
        let goodPrices = try write([Self.header, Self.good].joined(separator: "\n"), named: "p.csv", in: directory)
        let wrongHeader = try write(
            "symbol,name,sector,exchange\nAAPL,Apple,IT,NASDAQ\n", named: "meta.csv", in: directory)
        #expect(
            throws: CSVError(
                file: "meta.csv", line: 1,
                message: "header is \"symbol,name,sector,exchange\", expected \"ticker,name,sector,exchange\"")
        ) {
            try CSVPriceFile.load(prices: goodPrices, stocks: wrongHeader)
        }
        let shortLine = try write(
            "ticker,name,sector,exchange\nAAPL,\"Apple, Inc.\",IT\n", named: "m.csv", in: directory)
        #expect(throws: CSVError(file: "m.csv", line: 2, message: "expected 4 fields, found 3")) {
            try CSVPriceFile.load(prices: goodPrices, stocks: shortLine)
        }
        let missing = directory.appendingPathComponent("absent.csv")
        #expect {
            try CSVPriceFile.load(prices: missing, stocks: nil)
        } throws: { error in
            (error as? CSVError)?.file == "absent.csv" && "\(error)".hasPrefix("absent.csv: cannot open")
        }
    }
}
