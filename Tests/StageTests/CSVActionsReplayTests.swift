import Contracts
import FetcherService
import Foundation
import Pipeline
import Providers
import TestSupport
import Testing
import TradingCalendar

/// The fetcher's replays from a `csv` provider configured with an actions file (CSV_ACTIONS_FILE).
@Suite("Replays of a CSV with corporate actions")
struct CSVActionsReplayTests {
    @Test("an action on a date without rows is published as a session with no rows and the action")
    func actionOnlyDate() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("csv-actions-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let prices = directory.appendingPathComponent("prices.csv")
        let actions = directory.appendingPathComponent("actions.csv")
        try Data(
            """
            date,ticker,open,high,low,close,volume,market_cap
            2024-01-02,A,,,,10,,10000000000
            2024-01-04,A,,,,5.1,,10200000000

            """.utf8
        ).write(to: prices)
        try Data(
            """
            date,ticker,kind,value
            2024-01-03,A,cash_dividend,0.05
            2024-01-04,A,split,2

            """.utf8
        ).write(to: actions)
        let providers = try ProviderFactory(environment: [
            "CSV_PRICES_FILE": prices.path, "CSV_ACTIONS_FILE": actions.path,
        ])
        let storage = FakeStorage()
        storage.on(SessionsQuery.self) { _ in SessionsReply(sessions: []) }
        let publisher = FakePublisher()
        let replayer = Replayer(
            defaultProvider: try providers.make("csv"), providers: providers, publisher: publisher, storage: storage,
            logger: .stage
        )
        try await replayer.replay(ReplayRequest(replayID: "r-csv", from: Days.day1, to: Days.day3))
        let batches = publisher.published(PriceBatch.self)
        #expect(batches.map(\.date) == [Days.day1, Days.day2, Days.day3])
        #expect(batches.map(\.rows.count) == [1, 0, 1])
        #expect(batches[0].actions.isEmpty)
        #expect(batches[1].actions == [CorporateAction(date: Days.day2, ticker: "A", kind: .cashDividend, value: 0.05)])
        #expect(batches[2].actions == [CorporateAction(date: Days.day3, ticker: "A", kind: .split, value: 2)])
    }
}
