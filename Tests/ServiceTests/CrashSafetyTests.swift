import Contracts
import Foundation
import NATSClient
import Pipeline
import StorageDatabase
import TestSupport
import Testing
import TradingCalendar

#if canImport(Glibc)
    import Glibc
#endif

/// Kill -9 every service in turn and restart the broker during a back-fill: the stored index must be exactly the
/// one a fault-free run stores (in the style of watermill's exactly-once counter test).
@Suite("Crash safety", .serialized)
struct CrashSafetyTests {
    static let services = ["storage", "validator", "index-builder", "change-detector", "fetcher", "api"]
    static let range = (from: "2022-01-01", to: "2023-12-31")

    /// Everything stored that a user sees, without the replay marks (each run has its own replay id).
    struct Snapshot: Equatable {
        var results: [IndexResult]
        var changes: [CompositionEvent]
        var sessions: [SessionRecord]
        var integrity: String
    }

    /// Runs one back-fill on a fresh stack of the built executables; `faults` injects the crashes.
    func backfill(faults: Bool) async throws -> Snapshot {
        let server = try NATSServerProcess()
        defer { server.shutdown() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chaos-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var keep = false
        // On failure the folder stays, with every process's log, for the post-mortem.
        defer { if !keep { try? FileManager.default.removeItem(at: folder) } }
        var environment = ProcessInfo.processInfo.environment
        environment["NATS_URL"] = server.url
        environment["DATA_DIR"] = folder.appendingPathComponent("data").path
        environment["HEALTH_PORT"] = "0"
        environment["API_PORT"] = String(try freeLoopbackPort())
        environment["SIM_TICKERS"] = "200"
        environment["INDEX_SIZE"] = "20"
        environment["LOG_LEVEL"] = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"] ?? "warning"
        let services = Self.services.map { ServiceProcess($0, environment: environment, logDirectory: folder) }
        for service in services { try service.start() }
        defer { for service in services { service.stop() } }

        let ping = ServiceProcess("indexctl", environment: environment, logDirectory: folder)
        var up = false
        for _ in 0..<100 where !up {
            try ping.start(arguments: ["ping"])
            up = ping.waitForExit(timeout: 10) == 0
            if !up { try await Task.sleep(for: .milliseconds(200)) }
        }
        keep = !up
        #expect(up, "the stack did not come up; logs in \(folder.path)")

        let run = ServiceProcess("indexctl", environment: environment, logDirectory: folder)
        try run.start(arguments: ["backfill", "--from", Self.range.from, "--to", Self.range.to, "--timeout", "120"])
        if faults {
            // kill -9 each service in turn, restarting it, and restart the broker once on the way.
            for (index, service) in services.enumerated() {
                try await Task.sleep(for: .milliseconds(500))
                // A fault after the back-fill finished would prove nothing.
                #expect(run.isRunning, "the back-fill ended before \(service.name) was killed")
                service.stop(signal: SIGKILL)
                try service.start()
                if index == 2 {
                    server.stop()
                    try server.start()
                }
            }
            // Then a graceful SIGTERM of each, which must lose nothing either.
            for service in services {
                try await Task.sleep(for: .milliseconds(200))
                #expect(run.isRunning, "the back-fill ended before \(service.name) was stopped")
                #expect(service.stop(signal: SIGTERM), "\(service.name) did not stop on SIGTERM")
                try service.start()
            }
        }
        let status = run.waitForExit(timeout: 600)
        keep = status != 0
        if status != 0 {
            // The broker's view, for the post-mortem: where did the messages stop?
            let environment = try await NATSTestEnvironment(connectingTo: server.url)
            var lines: [String] = []
            for stream in Topology.pipeline.streams {
                if let state = try? await environment.jetStream.streamState(stream.name) {
                    lines.append(
                        "\(stream.name): \(state.messages) msgs, seq \(state.firstSequence)...\(state.lastSequence)")
                }
            }
            for consumer in Topology.pipeline.consumers {
                if let state = try? await environment.jetStream.consumerState(
                    stream: consumer.stream, durable: consumer.durable)
                {
                    lines.append(
                        "\(consumer.durable): pending \(state.pending), ack pending \(state.ackPending), redelivered \(state.redelivered), delivered \(state.deliveredStreamSequence), floor \(state.ackFloorStreamSequence)"
                    )
                }
            }
            try? lines.joined(separator: "\n").write(
                to: folder.appendingPathComponent("jetstream.txt"), atomically: true, encoding: .utf8)
            await environment.connection.close()
        }
        #expect(status == 0, "logs in \(folder.path)")
        #expect(status == 0, "backfill failed: \(run.log.split(separator: "\n").suffix(3).joined(separator: " | "))")
        for service in services { service.stop() }

        let database = try IndexDatabase(path: folder.appendingPathComponent("data/index.sqlite").path)
        let all = DateRange(start: SessionDate(Self.range.from)!, end: SessionDate(Self.range.to)!)
        let points = try database.performance(index: Indexes.defaultID, range: all)
        let results = try points.map { point in
            var result = try #require(try database.indexResult(index: Indexes.defaultID, on: point.date))
            result.replay = nil
            return result
        }
        return Snapshot(
            results: results,
            changes: try database.changes(index: Indexes.defaultID, range: all),
            sessions: try database.sessionRecords(index: Indexes.defaultID, range: all).map { record in
                var record = record
                record.sequence = 0  // stream positions differ between runs; the content must not
                return record
            },
            integrity: try database.integrityCheck()
        )
    }

    @Test("kill -9 of every service and a broker restart mid back-fill store exactly the fault-free index")
    func crashesChangeNothing() async throws {
        let reference = try await backfill(faults: false)
        let chaotic = try await backfill(faults: true)
        #expect(
            reference.results.count
                == NYSECalendar.standard.sessions(
                    from: SessionDate(Self.range.from)!, to: SessionDate(Self.range.to)!
                ).count)
        #expect(chaotic.integrity == "ok")
        // Compared field by field and reported by date, so a failure says where, not a megabyte of structs.
        #expect(chaotic.sessions.map(\.date) == reference.sessions.map(\.date), "a session is missing or doubled")
        if let date = zip(chaotic.sessions, reference.sessions).first(where: { $0 != $1 })?.0.date {
            Issue.record("the stored session record of \(date) differs")
        }
        #expect(chaotic.results.map(\.date) == reference.results.map(\.date))
        if let (mine, theirs) = zip(chaotic.results, reference.results).first(where: { $0 != $1 }) {
            Issue.record("the index result of \(mine.date) differs: level \(mine.level) vs \(theirs.level)")
        }
        #expect(chaotic.changes.map(\.date) == reference.changes.map(\.date))
        if let (mine, _) = zip(chaotic.changes, reference.changes).first(where: { $0 != $1 }) {
            Issue.record("the composition change of \(mine.date) differs")
        }
    }
}
