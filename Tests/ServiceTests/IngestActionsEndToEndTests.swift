import Contracts
import Foundation
import Pipeline
import TestSupport
import Testing
import TradingCalendar

/// A CSV with a corporate-actions file through the real services.
@Suite("End to end: corporate actions from a CSV", .serialized)
struct IngestActionsEndToEndTests {
    static let prices = """
        date,ticker,open,high,low,close,volume,market_cap
        2024-01-02,A,10,10,10,10,100,1000
        2024-01-02,B,20,20,20,20,100,2000
        2024-01-03,A,5,5,5,5,200,1000
        2024-01-03,B,22,22,22,22,100,2200
        2024-01-05,A,5,5,5,5,200,1000
        2024-01-05,B,22,22,22,22,100,2200

        """
    /// A 2-for-1 split of A on 01-03 (its close halves, its cap does not), and a dividend of B on 01-04, a session
    /// the prices file has no row for.
    static let actions = """
        date,ticker,kind,value
        2024-01-03,A,split,2
        2024-01-04,B,cash_dividend,0.5

        """

    @Test("an ingested split is applied, and an action on a date without rows reaches storage")
    func splitAndActionOnlyDate() async throws {
        let stack = try await EndToEndTests.Stack(indexSize: 2)
        let folder = stack.dataDirectory.appendingPathComponent("input")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let pricesFile = folder.appendingPathComponent("prices.csv")
        let actionsFile = folder.appendingPathComponent("actions.csv")
        try Self.prices.write(to: pricesFile, atomically: true, encoding: .utf8)
        try Self.actions.write(to: actionsFile, atomically: true, encoding: .utf8)

        try await stack.indexctl([
            "ingest", "--prices", pricesFile.path, "--actions", actionsFile.path, "--timeout", "60",
        ])

        let storage = stack.environment.pipeline.storage
        let actionOnly = try await storage.ask(StoredBatchQuery(date: SessionDate("2024-01-04")!)).batch
        #expect(actionOnly.rows.isEmpty)
        #expect(
            actionOnly.actions == [
                CorporateAction(date: SessionDate("2024-01-04")!, ticker: "B", kind: .cashDividend, value: 0.5)
            ])
        let split = try await storage.ask(StoredBatchQuery(date: SessionDate("2024-01-03")!)).batch
        #expect(
            split.actions == [CorporateAction(date: SessionDate("2024-01-03")!, ticker: "A", kind: .split, value: 2)])

        // 01-03: A's return is 5 * 2 / 10 - 1 = 0 (the split is not a loss), B's 22 / 20 - 1 = 0.1 -> R = 0.05.
        let performance = try await getJSON(
            stack.apiBase + "/index-performance?start_date=2024-01-01&end_date=2024-01-05")
        let points = try #require(performance["performance"] as? [[String: Any]])
        let byDate = Dictionary(
            points.compactMap { point in (point["date"] as? String).map { ($0, point) } },
            uniquingKeysWith: { a, _ in a })
        let level = try #require(byDate["2024-01-03"]?["level"] as? Double)
        expectClose([level], [1050])
        await stack.stop()
    }
}
