import APIService
import ArgumentParser
import ChangeDetectorService
import Contracts
import Foundation
import IndexBuilderService
import IndexCtl
import Logging
import NATSClient
import Pipeline
import ServiceSupport
import StorageService
import Synchronization
import TestSupport
import Testing
import TradingCalendar
import ValidatorService

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A CSV through the real services and a real nats-server, checked against numbers computed by hand.
@Suite("End to end", .serialized)
struct EndToEndTests {
    /// The running pipeline of one test.
    final class Stack: Sendable {
        let environment: NATSTestEnvironment
        let dataDirectory: URL
        let tasks = Locked<[Task<Void, any Error>]>([])
        let apiPort = Locked<Int?>(nil)

        init(indexSize: Int) async throws {
            environment = try await NATSTestEnvironment()
            dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID().uuidString)")
            let configuration = try ServiceConfiguration(environment: [
                "NATS_URL": environment.server.url, "DATA_DIR": dataDirectory.path, "HEALTH_PORT": "0",
                "API_PORT": "0", "INDEX_SIZE": String(indexSize),
                "LOG_LEVEL": ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"] ?? "critical",
            ])
            let apiPort = self.apiPort
            let runs: [@Sendable () async throws -> Void] = [
                { try await Storage.run(configuration: configuration, signals: []) },
                { try await Validator.run(configuration: configuration, signals: []) },
                { try await IndexBuilder.run(configuration: configuration, signals: []) },
                { try await ChangeDetector.run(configuration: configuration, signals: []) },
                { try await API.run(configuration: configuration, signals: []) { port in apiPort.set(port) } },
            ]
            tasks.set(runs.map { run in Task { try await run() } })
            let storage = environment.pipeline.storage
            // Ready when storage answers and the API listens.
            _ = await eventually(timeout: .seconds(20)) {
                (try? await storage.ask(StatusQuery(index: "ew100"))) != nil && apiPort.value != nil
            }
        }

        var apiBase: String { "http://127.0.0.1:\(apiPort.value ?? 0)" }

        func indexctl(_ arguments: [String]) async throws {
            var command = try IndexCtl.parseAsRoot(arguments + ["--nats-url", environment.server.url])
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        }

        func stop() async {
            for task in tasks.value { task.cancel() }
            for task in tasks.value { _ = await task.result }
            await environment.shutdown()
            try? FileManager.default.removeItem(at: dataDirectory)
        }
    }

    /// Four sessions of four stocks, N = 2, with a tie, a duplicate, a missing constituent, a bad close and a
    /// Saturday row. The expected numbers are worked out in the comments.
    static let prices = """
        date,ticker,open,high,low,close,volume,market_cap
        2024-01-02,A,10,10,10,10,100,100
        2024-01-02,B,20,20,20,20,100,200
        2024-01-02,C,5,5,5,5,100,100
        2024-01-02,D,1,1,1,1,100,50
        2024-01-03,A,11,11,11,11,100,110
        2024-01-03,B,19,19,19,19,100,190
        2024-01-03,C,6,6,6,6,100,300
        2024-01-03,D,1,1,1,1,100,50
        2024-01-03,A,999,999,999,999,100,9990
        2024-01-04,A,12,12,12,12,100,120
        2024-01-04,C,6.6,6.6,6.6,6.6,100,330
        2024-01-04,D,1,1,1,-1,100,50
        2024-01-05,A,12,12,12,12,100,120
        2024-01-05,B,20,20,20,20,100,400
        2024-01-05,C,6.6,6.6,6.6,6.6,100,330
        2024-01-05,D,2,2,2,2,100,60
        2024-01-06,A,12,12,12,12,100,120

        """
    static let stocks = """
        ticker,name,sector,exchange
        A,"Alpha, Inc.",Technology,NYSE
        B,Beta Corp,Financials,NASDAQ
        C,Gamma,Energy,NYSE
        D,Delta,Utilities,NYSE

        """

    @Test("a CSV ingested through the live services gives the hand-computed index over REST")
    func csvThroughThePipeline() async throws {
        let stack = try await Stack(indexSize: 2)
        let folder = stack.dataDirectory.appendingPathComponent("input")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let pricesFile = folder.appendingPathComponent("prices.csv")
        let stocksFile = folder.appendingPathComponent("stocks.csv")
        try Self.prices.write(to: pricesFile, atomically: true, encoding: .utf8)
        try Self.stocks.write(to: stocksFile, atomically: true, encoding: .utf8)

        try await stack.indexctl([
            "ingest", "--prices", pricesFile.path, "--stocks", stocksFile.path, "--timeout", "60",
        ])

        // 01-02 base: ranks B 200, A 100, C 100 (tie: A before C), D 50 -> C = {B, A}; level 1000.
        // 01-03: R = mean(19/20 - 1, 11/10 - 1) = mean(-0.05, 0.1) = 0.025 -> 1025; the 999 row of A is a duplicate.
        //        ranks C 300, B 190, A 110 -> C = {C, B}: C added (rank 1), A removed (rank 3, 110).
        // 01-04: B has no row: r_B = 0; R = mean(6.6/6 - 1, 0) = 0.05 -> 1076.25; D's close -1 is rejected.
        //        ranks C 330, A 120 -> C = {C, A}: A added (rank 2), B removed (no rank, no market cap).
        // 01-05: R = mean(6.6/6.6 - 1, 12/12 - 1) = 0 -> 1076.25; ranks B 400, C 330 -> B added, A removed (3, 120).
        // 01-06 is a Saturday: its row is rejected, and it is no index session.
        let performance = try await getJSON(
            stack.apiBase + "/index-performance?start_date=2024-01-01&end_date=2024-01-06")
        let points = try #require(performance["performance"] as? [[String: Any]])
        #expect(points.map { $0["date"] as? String } == ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"])
        let levels = points.compactMap { $0["level"] as? Double }
        let returns = points.compactMap { $0["daily_return"] as? Double }
        let cumulative = points.compactMap { $0["cumulative_return"] as? Double }
        expectClose(levels, [1000, 1025, 1076.25, 1076.25])
        expectClose(returns, [0, 0.025, 0.05, 0])
        expectClose(cumulative, [0, 0.025, 0.07625, 0.07625])

        let composition = try await getJSON(stack.apiBase + "/index-composition?date=2024-01-06")
        #expect(composition["date"] as? String == "2024-01-06")
        #expect(composition["as_of"] as? String == "2024-01-05")
        let members = try #require(composition["constituents"] as? [[String: Any]])
        #expect(members.map { $0["ticker"] as? String } == ["B", "C"])
        #expect(members.map { $0["rank"] as? Int } == [1, 2])
        #expect(members.map { $0["weight"] as? Double } == [0.5, 0.5])
        #expect(members.map { $0["market_cap"] as? Double } == [400, 330])
        #expect(members.map { $0["close"] as? Double } == [20, 6.6])
        #expect(members.map { $0["name"] as? String } == ["Beta Corp", "Gamma"])
        #expect(members.map { $0["sector"] as? String } == ["Financials", "Energy"])

        let changes = try await getJSON(
            stack.apiBase + "/composition-changes?start_date=2024-01-01&end_date=2024-01-06")
        let events = try #require(changes["changes"] as? [[String: Any]])
        #expect(events.map { $0["date"] as? String } == ["2024-01-03", "2024-01-04", "2024-01-05"])
        func tickers(_ event: [String: Any], _ key: String) -> [String] {
            ((event[key] as? [[String: Any]]) ?? []).compactMap { $0["ticker"] as? String }
        }
        #expect(events.map { tickers($0, "added") } == [["C"], ["A"], ["B"]])
        #expect(events.map { tickers($0, "removed") } == [["A"], ["B"], ["A"]])
        let removedB = try #require((events[1]["removed"] as? [[String: Any]])?.first)
        #expect(removedB["rank"] is NSNull)
        #expect(removedB["market_cap"] is NSNull)
        let removedA = try #require((events[0]["removed"] as? [[String: Any]])?.first)
        #expect(removedA["rank"] as? Int == 3)
        #expect(removedA["market_cap"] as? Double == 110)

        // Rejected rows are stored with their batch counts: the duplicate, the bad close, the Saturday row.
        let sessions = try await stack.environment.pipeline.storage.ask(
            SessionsQuery(
                index: "ew100", range: DateRange(start: SessionDate("2024-01-01")!, end: SessionDate("2024-01-07")!))
        ).sessions
        #expect(
            sessions.map(\.date.description) == ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06"])
        #expect(sessions.map(\.rejectedRows) == [0, 1, 1, 0, 1])
        #expect(sessions.map(\.validRows) == [4, 4, 2, 4, 0])

        // Ingesting the same file again changes nothing.
        try await stack.indexctl([
            "ingest", "--prices", pricesFile.path, "--stocks", stocksFile.path, "--timeout", "60",
        ])
        let again = try await getJSON(stack.apiBase + "/index-performance?start_date=2024-01-01&end_date=2024-01-06")
        expectClose(((again["performance"] as? [[String: Any]]) ?? []).compactMap { $0["level"] as? Double }, levels)

        await stack.stop()
    }

    @Test("ingesting the later half first and the earlier half after gives the same series (the base moves)")
    func laterHalfFirst() async throws {
        let stack = try await Stack(indexSize: 2)
        let folder = stack.dataDirectory.appendingPathComponent("input")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let lines = Self.prices.split(separator: "\n").map(String.init)
        let header = lines[0]
        let early = [header] + lines.filter { $0.hasPrefix("2024-01-02") || $0.hasPrefix("2024-01-03") }
        let late = [header] + lines.filter { $0.hasPrefix("2024-01-04") || $0.hasPrefix("2024-01-05") }
        let earlyFile = folder.appendingPathComponent("early.csv")
        let lateFile = folder.appendingPathComponent("late.csv")
        try (early.joined(separator: "\n") + "\n").write(to: earlyFile, atomically: true, encoding: .utf8)
        try (late.joined(separator: "\n") + "\n").write(to: lateFile, atomically: true, encoding: .utf8)

        try await stack.indexctl(["ingest", "--prices", lateFile.path, "--timeout", "60"])
        let alone = try await getJSON(stack.apiBase + "/index-performance?start_date=2024-01-01&end_date=2024-01-06")
        // On its own the later half is a series of its own: 01-04 is its base.
        expectClose(
            ((alone["performance"] as? [[String: Any]]) ?? []).compactMap { $0["level"] as? Double }, [1000, 1000])

        try await stack.indexctl(["ingest", "--prices", earlyFile.path, "--timeout", "60"])
        let joined = try await getJSON(stack.apiBase + "/index-performance?start_date=2024-01-01&end_date=2024-01-06")
        let points = (joined["performance"] as? [[String: Any]]) ?? []
        // Exactly the numbers of the whole file ingested at once (see csvThroughThePipeline).
        expectClose(points.compactMap { $0["level"] as? Double }, [1000, 1025, 1076.25, 1076.25])
        expectClose(points.compactMap { $0["daily_return"] as? Double }, [0, 0.025, 0.05, 0])
        let changes = try await getJSON(
            stack.apiBase + "/composition-changes?start_date=2024-01-01&end_date=2024-01-06")
        #expect(
            ((changes["changes"] as? [[String: Any]]) ?? []).map { $0["date"] as? String }
                == ["2024-01-03", "2024-01-04", "2024-01-05"])
        await stack.stop()
    }

    @Test("a session split into chunks is validated as one batch: a duplicate across chunks is caught")
    func chunkedSession() async throws {
        let stack = try await Stack(indexSize: 3)
        let date = SessionDate("2024-03-01")!
        var rows = (0..<40).map { index in
            PriceRow(
                date: date, ticker: "T\(index)", open: 10, high: 11, low: 9, close: 10, volume: 1,
                marketCap: Double(1000 + index))
        }
        // The first chunk has T0; its duplicate sits in the last chunk.
        rows.append(PriceRow(date: date, ticker: "T0", close: 12, marketCap: 5000))
        let publisher = try NATSPipeline(
            connection: stack.environment.connection, logger: Logger.test("chunks"), payloadLimit: 700)
        let published = try await publisher.publishSession(date: date, rows: rows, stocks: [], source: "test")
        #expect(published.chunks > 2)
        let storage = stack.environment.pipeline.storage
        var record: SessionRecord?
        _ = await eventually(timeout: .seconds(30)) {
            guard
                let sessions = try? await storage.ask(
                    SessionsQuery(index: "ew100", range: DateRange(start: date, end: date))
                ).sessions
            else { return false }
            record = sessions.first
            return record?.isComplete == true && record?.indexBatchID != nil
        }
        let stored = try #require(record)
        #expect(stored.batchID == published.batchID)
        #expect(stored.receivedRows == 41)
        #expect(stored.validRows == 40)
        #expect(stored.rejectedRows == 1)
        let composition = try await getJSON(stack.apiBase + "/index-composition?date=2024-03-01")
        let members = try #require(composition["constituents"] as? [[String: Any]])
        // Ranked by market cap: T39 (1039), T38, T37; the duplicate T0 at 5000 was rejected, not ranked.
        #expect(members.map { $0["ticker"] as? String } == ["T39", "T38", "T37"])
        await stack.stop()
    }

    @Test("a malformed CSV line fails the ingest with its file and line, and publishes nothing")
    func malformedCSV() async throws {
        let stack = try await Stack(indexSize: 2)
        let file = stack.dataDirectory.appendingPathComponent("bad.csv")
        try FileManager.default.createDirectory(at: stack.dataDirectory, withIntermediateDirectories: true)
        try "date,ticker,open,high,low,close,volume,market_cap\n2024-01-02,A,1,1,1,1,1,1\n2024-01-03,A,1,1,1,x1,1,1\n"
            .write(to: file, atomically: true, encoding: .utf8)
        await #expect(throws: ExitCode.self) {
            try await stack.indexctl(["ingest", "--prices", file.path])
        }
        let state = try await stack.environment.jetStream.streamState(StreamName.pricesRaw)
        #expect(state.lastSequence == 0)
        await stack.stop()
    }
}

func getJSON(_ url: String) async throws -> [String: Any] {
    let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
    let status = (response as? HTTPURLResponse)?.statusCode ?? 0
    guard status == 200 else { throw HTTPFailure(status: status, body: String(decoding: data, as: UTF8.self)) }
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

struct HTTPFailure: Error, CustomStringConvertible {
    var status: Int
    var body: String
    var description: String { "HTTP \(status): \(body)" }
}

func expectClose(
    _ actual: [Double], _ expected: [Double], tolerance: Double = 1e-9,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, sourceLocation: sourceLocation)
    for (a, e) in zip(actual, expected) {
        #expect(abs(a - e) <= tolerance, "\(a) != \(e)", sourceLocation: sourceLocation)
    }
}
