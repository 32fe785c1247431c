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

    /// Splits, dividends and a member without a row on one session, for the twins below.
    static let actionPrices = """
        date,ticker,open,high,low,close,volume,market_cap
        2024-01-02,A,10,10,10,10,100,3000
        2024-01-02,B,20,20,20,20,100,2000
        2024-01-02,C,30,30,30,30,100,1000
        2024-01-03,A,5,5,5,5,100,3000
        2024-01-03,B,21,21,21,21,100,2100
        2024-01-03,C,33,33,33,33,100,2200
        2024-01-04,A,5.5,5.5,5.5,5.5,100,3300
        2024-01-04,B,22,22,22,22,100,2200
        2024-01-05,A,6,6,6,6,100,3600
        2024-01-05,B,21,21,21,21,100,2100
        2024-01-05,C,35,35,35,35,100,2500
        2024-01-08,A,6.1,6.1,6.1,6.1,100,3660
        2024-01-08,B,21.5,21.5,21.5,21.5,100,2150
        2024-01-08,C,34,34,34,34,100,2400

        """
    static let actions = """
        date,ticker,kind,value
        2024-01-03,A,split,2
        2024-01-04,C,split,0.5
        2024-01-05,B,special_dividend,1
        2024-01-08,A,cash_dividend,0.1

        """

    /// Levels, returns and turnovers as bit patterns, the compositions and the changes of `index`, named `as`.
    func everything(_ storage: any StorageAsking, _ index: String, as name: String) async throws -> String {
        let range = DateRange.coverage
        let points = try await storage.ask(PerformanceQuery(index: index, range: range)).points.map {
            "\($0.date) \($0.level.bitPattern) \($0.dailyReturn.bitPattern) \(String(describing: $0.turnover?.bitPattern))"
        }
        let compositions = try await storage.ask(CompositionsQuery(index: index, range: range)).sessions
        let changes = try await storage.ask(ChangesQuery(index: index, range: range)).changes.map { event in
            var event = event
            event.index = name
            return event
        }
        return "\(points)\n\(compositions)\n\(changes)"
    }

    @Test("a definition added after the ingest, with ew100's methodology, stores ew100's series bit for bit")
    func twinsOfTheBuiltIns() async throws {
        let stack = try await EndToEndTests.Stack(indexSize: 2)
        let folder = stack.dataDirectory.appendingPathComponent("input")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let pricesFile = folder.appendingPathComponent("prices.csv")
        let actionsFile = folder.appendingPathComponent("actions.csv")
        try Self.actionPrices.write(to: pricesFile, atomically: true, encoding: .utf8)
        try Self.actions.write(to: actionsFile, atomically: true, encoding: .utf8)
        try await stack.indexctl([
            "ingest", "--prices", pricesFile.path, "--actions", actionsFile.path, "--timeout", "60",
        ])
        let storage = stack.environment.pipeline.storage
        for (id, builtIn, body) in [
            ("twin", "ew100", #"{"id": "twin", "size": 2}"#),
            ("twin-tr", "ew100-tr", #"{"id": "twin-tr", "size": 2, "return": "total"}"#),
        ] {
            let file = folder.appendingPathComponent("\(id).json")
            try body.write(to: file, atomically: true, encoding: .utf8)
            try await stack.indexctl(["index", "add", file.path, "--wait", "--timeout", "60"])
            let stored = try #require(try await storage.ask(DefinitionsQuery(id: id)).definitions.first)
            #expect(stored.sessions == 5)
            // The built-in series comes through the pipeline's messages, the added one from the bulk build.
            let expected = try await everything(storage, builtIn, as: id)
            #expect(try await everything(storage, id, as: id) == expected, "\(id) against \(builtIn)")
            #expect(expected.contains("2024-01-08"))
        }
        await stack.stop()
    }
}
