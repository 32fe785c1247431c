import Contracts
import Foundation
import Providers
import Testing
import TradingCalendar

@Suite("CSV files: corporate actions")
struct CSVActionsFileTests {
    static let header = "date,ticker,kind,value"

    /// The message `CSVPriceFile` gives for an actions file of `lines`, nil when it parses.
    func actionsError(_ lines: [String], name: String = "actions.csv") -> String? {
        do {
            _ = try CSVPriceFile.parseActions(Array(lines.joined(separator: "\n").utf8), name: name)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test("actions are read in file order, kinds as written, an empty value as missing, non-finite values kept")
    func parse() throws {
        let text = """
            date,ticker,kind,value
            2024-06-10,NVDA,split,10
            2024-02-09, AAPL ,cash_dividend,0.24

            2024-03-01,"BRK,B",special_dividend,
            2024-03-01,XYZ,spinoff,1.5
            2024-03-04,XYZ,split,nan
            2024-03-04,ABC, split ,"0.1"
            """
        let actions = try CSVPriceFile.parseActions(Array(text.utf8))
        #expect(actions.count == 6)
        #expect(actions[0] == CorporateAction(date: day("2024-06-10"), ticker: "NVDA", kind: .split, value: 10))
        #expect(
            actions[1] == CorporateAction(date: day("2024-02-09"), ticker: "AAPL", kind: .cashDividend, value: 0.24))
        #expect(
            actions[2] == CorporateAction(date: day("2024-03-01"), ticker: "BRK,B", kind: .specialDividend, value: nil))
        #expect(actions[3] == CorporateAction(date: day("2024-03-01"), ticker: "XYZ", kind: "spinoff", value: 1.5))
        #expect(actions[4].kind == "split" && actions[4].ticker == "XYZ" && actions[4].value?.isNaN == true)
        #expect(actions[5] == CorporateAction(date: day("2024-03-04"), ticker: "ABC", kind: .split, value: 0.1))
    }

    @Test(
        "a malformed line names the file, its line and what is wrong",
        arguments: [
            ("2024-06-10,NVDA,split", "actions.csv:3: expected 4 fields, found 3"),
            ("2024-06-10,NVDA,split,10,x", "actions.csv:3: expected 4 fields, found 5"),
            ("2024-6-10,NVDA,split,10", "actions.csv:3: field 1 (date) \"2024-6-10\" is not a date (YYYY-MM-DD)"),
            ("2024-02-30,NVDA,split,10", "actions.csv:3: field 1 (date) \"2024-02-30\" is not a date (YYYY-MM-DD)"),
            (",NVDA,split,10", "actions.csv:3: field 1 (date) \"\" is not a date (YYYY-MM-DD)"),
            ("2024-06-10, ,split,10", "actions.csv:3: field 2 (ticker) is empty"),
            ("2024-06-10,NVDA,split,10-for-1", "actions.csv:3: field 4 (value) \"10-for-1\" is not a number"),
            ("2024-06-10,NVDA,split,2:1", "actions.csv:3: field 4 (value) \"2:1\" is not a number"),
            ("2024-06-10,NVDA,cash_dividend,$0.24", "actions.csv:3: field 4 (value) \"$0.24\" is not a number"),
            ("2024-06-10,NVDA,split,\"1\"\"0\"", "actions.csv:3: field 4 (value) \"1\"0\" is not a number"),
            ("2024-06-10,\"NVDA,split,10", "actions.csv:3: unterminated quoted field"),
        ])
    func malformedLine(line: String, message: String) {
        #expect(actionsError([Self.header, "2024-02-09,AAPL,cash_dividend,0.24", line]) == message)
    }

    @Test("a wrong or missing header is an error at line 1")
    func header() {
        #expect(
            actionsError(["date,ticker,type,value", "2024-06-10,NVDA,split,10"])
                == "actions.csv:1: header is \"date,ticker,type,value\", expected \"date,ticker,kind,value\"")
        #expect(actionsError([""]) == "actions.csv:1: no header, expected \"date,ticker,kind,value\"")
        #expect(actionsError([Self.header]) == nil)
    }

    @Test("loaded with the prices, actions group by date and their dates join the files' dates")
    func loadWithPrices() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let prices = try write(
            """
            date,ticker,open,high,low,close,volume,market_cap
            2024-06-07,NVDA,,,,1208.88,,2970000000000
            2024-06-10,NVDA,,,,121.79,,2990000000000
            """, named: "prices.csv", in: directory)
        let actions = try write(
            """
            date,ticker,kind,value
            2024-06-10,NVDA,split,10
            2024-06-11,NVDA,cash_dividend,0.01
            2024-06-10,NVDA,cash_dividend,0.01
            """, named: "corporate.csv", in: directory)
        let provider = try CSVProvider(prices: prices, stocks: nil, actions: actions)
        #expect(provider.dates == [day("2024-06-07"), day("2024-06-10"), day("2024-06-11")])
        #expect(provider.data.rowCount == 2 && provider.data.actionCount == 3)

        let plain = try #require(try await provider.session(day("2024-06-07")))
        #expect(plain.rows.count == 1 && plain.actions.isEmpty)
        let split = try #require(try await provider.session(day("2024-06-10")))
        #expect(split.rows.map(\.close) == [121.79])
        #expect(
            split.actions == [
                CorporateAction(date: day("2024-06-10"), ticker: "NVDA", kind: .split, value: 10),
                CorporateAction(date: day("2024-06-10"), ticker: "NVDA", kind: .cashDividend, value: 0.01),
            ])
        // An action on a date without rows still makes a session: no rows, its actions.
        let actionOnly = try #require(try await provider.session(day("2024-06-11")))
        #expect(actionOnly.rows.isEmpty && actionOnly.stocks.isEmpty)
        #expect(
            actionOnly.actions == [
                CorporateAction(date: day("2024-06-11"), ticker: "NVDA", kind: .cashDividend, value: 0.01)
            ])
        #expect(try await provider.session(day("2024-06-12")) == nil)

        // Without the actions file, nothing changes for the prices.
        let withoutActions = try CSVProvider(prices: prices, stocks: nil)
        #expect(withoutActions.dates == [day("2024-06-07"), day("2024-06-10")])
        #expect(try await withoutActions.session(day("2024-06-10"))?.actions == [])
    }

    @Test("an error in the actions file names that file and the line")
    func loadError() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let prices = try write(
            "date,ticker,open,high,low,close,volume,market_cap\n2024-06-10,NVDA,,,,121.79,,2990000000000\n",
            named: "prices.csv", in: directory)
        let actions = try write(
            "date,ticker,kind,value\n2024-06-10,NVDA,split,10\n\n2024-06-11,NVDA,cash_dividend,one cent\n",
            named: "corporate.csv", in: directory)
        #expect(
            throws: CSVError(file: "corporate.csv", line: 4, message: "field 4 (value) \"one cent\" is not a number")
        ) {
            try CSVPriceFile.load(prices: prices, stocks: nil, actions: actions)
        }
        let missing = directory.appendingPathComponent("absent.csv")
        #expect(throws: CSVError.self) { try CSVPriceFile.load(prices: prices, stocks: nil, actions: missing) }
    }
}
