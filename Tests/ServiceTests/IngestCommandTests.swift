import ArgumentParser
import Contracts
import Foundation
import Providers
import Testing
import TradingCalendar

@testable import IndexCtl

@Suite("indexctl ingest and sim-csv with corporate actions")
struct IngestCommandTests {
    static func day(_ text: String) -> SessionDate { SessionDate(text)! }

    @Test("ingest takes an optional actions file")
    func parsesActions() throws {
        let command = try IndexCtl.parseAsRoot([
            "ingest", "--prices", "p.csv", "--stocks", "s.csv", "--actions", "a.csv",
        ])
        let ingest = try #require(command as? IndexCtl.Ingest)
        #expect(ingest.prices == "p.csv" && ingest.stocks == "s.csv" && ingest.actions == "a.csv")
        let without = try #require(try IndexCtl.parseAsRoot(["ingest", "--prices", "p.csv"]) as? IndexCtl.Ingest)
        #expect(without.actions == nil)
    }

    @Test("ingest publishes the dates with rows, those with actions only, and the unstored sessions between")
    func publishDates() {
        let row = { (date: String) in
            PriceRow(
                date: Self.day(date), ticker: "A", open: nil, high: nil, low: nil, close: 10, volume: nil,
                marketCap: 1e9)
        }
        let action = { (date: String) in
            CorporateAction(date: Self.day(date), ticker: "A", kind: .cashDividend, value: 0.1)
        }
        let data = CSVData(
            sessions: [Self.day("2024-01-03"): [row("2024-01-03")], Self.day("2024-01-08"): [row("2024-01-08")]],
            stocks: [],
            actions: [Self.day("2024-01-02"): [action("2024-01-02")], Self.day("2024-01-05"): [action("2024-01-05")]])
        // 2024-01-04 has neither and is not stored: published empty. 2024-01-05 has an action only.
        #expect(
            IndexCtl.Ingest.publishDates(of: data, stored: [])
                == ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08"].map(Self.day))
        // A stored session without rows or actions in the file is left alone; an action-only one is not.
        #expect(
            IndexCtl.Ingest.publishDates(of: data, stored: [Self.day("2024-01-04"), Self.day("2024-01-05")])
                == ["2024-01-02", "2024-01-03", "2024-01-05", "2024-01-08"].map(Self.day))
        #expect(IndexCtl.Ingest.publishDates(of: CSVData(sessions: [:], stocks: []), stored: []).isEmpty)
    }

    @Test("sim-csv writes the simulated actions in the ingest format, the same as the market's")
    func simCSVActions() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sim-csv-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let prices = directory.appendingPathComponent("prices.csv")
        let actions = directory.appendingPathComponent("actions.csv")
        var command = try IndexCtl.parseAsRoot([
            "sim-csv", "--from", "2024-01-01", "--to", "2024-06-30", "--tickers", "150", "--seed", "3", "--prices",
            prices.path, "--actions", actions.path,
        ])
        try command.run()
        let data = try CSVPriceFile.load(prices: prices, stocks: nil, actions: actions)
        let market = SimulatedMarket(tickers: 150, seed: 3)
        let expected = market.sessions(from: Self.day("2024-01-01"), to: Self.day("2024-06-30")).flatMap(\.actions)
        #expect(expected.count > 20)
        #expect(data.dates.flatMap { data.actions(on: $0) } == expected)
    }
}
