import Contracts
import Foundation
import Pipeline
import TestSupport
import Testing
import TradingCalendar

/// An added definition through the real services: its history from stored data, then every new session.
@Suite("End to end: an added index definition", .serialized)
struct DefinitionEndToEndTests {
    static let prices = """
        date,ticker,open,high,low,close,volume,market_cap
        2024-01-02,A,10,10,10,10,100,3000
        2024-01-02,B,20,20,20,20,100,2000
        2024-01-02,C,30,30,30,30,100,1000
        2024-01-03,A,11,11,11,11,100,3300
        2024-01-03,B,19,19,19,19,100,1900
        2024-01-03,C,36,36,36,36,100,1200
        2024-01-04,A,12,12,12,12,100,3600
        2024-01-04,B,18,18,18,18,100,1800
        2024-01-04,C,45,45,45,45,100,1500

        """
    static let later = """
        date,ticker,open,high,low,close,volume,market_cap
        2024-01-05,A,12.5,12.5,12.5,12.5,100,3750
        2024-01-05,B,17,17,17,17,100,1700
        2024-01-05,C,50,50,50,50,100,1700

        """

    func levels(_ stack: EndToEndTests.Stack, _ index: String) async throws -> [String: Double] {
        let body = try await getJSON(
            stack.apiBase + "/index-performance?start_date=2024-01-01&end_date=2024-01-06&index=\(index)")
        let points = try #require(body["performance"] as? [[String: Any]])
        return Dictionary(
            points.compactMap { point in
                guard let date = point["date"] as? String, let level = point["level"] as? Double else { return nil }
                return (date, level)
            }, uniquingKeysWith: { first, _ in first })
    }

    @Test("indexctl index add builds the history from storage (job succeeded); new sessions reach it; remove drops it")
    func addBuildFollowRemove() async throws {
        let stack = try await EndToEndTests.Stack(indexSize: 2)
        let folder = stack.dataDirectory.appendingPathComponent("input")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let pricesFile = folder.appendingPathComponent("prices.csv")
        let laterFile = folder.appendingPathComponent("later.csv")
        let definitionFile = folder.appendingPathComponent("top1.json")
        try Self.prices.write(to: pricesFile, atomically: true, encoding: .utf8)
        try Self.later.write(to: laterFile, atomically: true, encoding: .utf8)
        // The largest stock alone, base 100: its level follows A's closes.
        try #"{"id": "top1", "name": "Top 1", "size": 1, "base_level": 100}"#.write(
            to: definitionFile, atomically: true, encoding: .utf8)

        try await stack.indexctl(["ingest", "--prices", pricesFile.path, "--timeout", "60"])
        try await stack.indexctl(["index", "add", definitionFile.path, "--wait", "--timeout", "60"])

        let storage = stack.environment.pipeline.storage
        let stored = try #require(try await storage.ask(DefinitionsQuery(id: "top1")).definitions.first)
        #expect(stored.sessions == 3 && stored.firstSession == SessionDate("2024-01-02"))
        let jobID = try #require(stored.jobID)
        let job = try #require(try await stack.environment.pipeline.latestJob(jobID))
        #expect(job.status == .succeeded && job.sessionsDone == 3 && job.isDefinitionBuild)
        // A 10 -> 11 -> 12 with base 100: 110, 120 (hand values).
        var top1 = try await levels(stack, "top1")
        expectClose([top1["2024-01-02"] ?? 0, top1["2024-01-03"] ?? 0, top1["2024-01-04"] ?? 0], [100, 110, 120])
        // The built-in index is untouched: top 2 of A and B (C is third until 01-05).
        let ew = try await levels(stack, "ew100")
        expectClose([ew["2024-01-03"] ?? 0], [1000 * (1 + (0.1 + (19.0 / 20 - 1)) / 2)])

        // A later session reaches the added index through the pipeline.
        try await stack.indexctl(["ingest", "--prices", laterFile.path, "--timeout", "60"])
        _ = await eventually(timeout: .seconds(20)) {
            (try? await levels(stack, "top1"))?["2024-01-05"] != nil
        }
        top1 = try await levels(stack, "top1")
        expectClose([top1["2024-01-05"] ?? 0], [125])
        let listed = try await getJSON(stack.apiBase + "/indexes")
        let ids = (listed["indexes"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(ids == ["ew100", "ew100-tr", "top1"])

        try await stack.indexctl(["index", "remove", "top1"])
        #expect(try await storage.ask(DefinitionsQuery(id: "top1")).definitions.isEmpty)
        #expect(try await storage.ask(PerformanceQuery(index: "top1", range: .coverage)).points.isEmpty)
        await #expect(throws: HTTPFailure.self) { try await getJSON(stack.apiBase + "/indexes/top1") }
        await stack.stop()
    }
}
