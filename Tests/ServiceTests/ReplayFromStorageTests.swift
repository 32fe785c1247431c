import Contracts
import Foundation
import NATSClient
import Pipeline
import ServiceSupport
import TestSupport
import Testing
import TradingCalendar

extension ExecutableStackSuites {
    /// Back-fill by replay: stored sessions go back out from storage (the provider untouched) unless `--refetch`.
    @Suite("Replay from storage", .serialized)
    struct ReplayFromStorageTests {
        static let range = (from: "2024-01-02", to: "2024-01-05")
        static let dates = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"].map { SessionDate($0)! }

        /// What a user sees of the stored index and prices, replay marks and stream sequences aside.
        struct Stored: Equatable {
            var sessions: [SessionRecord]
            var results: [IndexResult]
            var points: [PerformancePoint]
            var status: StatusReply
        }

        static func stored(_ stack: ExecutableStack) async throws -> Stored {
            let range = DateRange(start: dates[0], end: dates[3])
            var results: [IndexResult] = []
            for date in dates {
                if var result = try await stack.ask(IndexResultQuery(index: "ew100", date: date)).result {
                    result.replay = nil
                    results.append(result)
                }
            }
            // A replayed batch moves its record's stream sequence forward; nothing a user sees depends on it.
            let sessions = try await stack.ask(SessionsQuery(index: "ew100", range: range)).sessions.map { record in
                var record = record
                record.sequence = 0
                return record
            }
            return Stored(
                sessions: sessions,
                results: results,
                points: try await stack.ask(PerformanceQuery(index: "ew100", range: range)).points,
                status: try await stack.ask(StatusQuery(index: "ew100"))
            )
        }

        /// The raw batches published after `sequence`, read back from the stream.
        static func rawBatches(_ stack: ExecutableStack, after sequence: UInt64) async throws -> [PriceBatch] {
            let state = try await stack.environment.jetStream.streamState(StreamName.pricesRaw)
            guard state.lastSequence > sequence else { return [] }
            var batches: [PriceBatch] = []
            for next in (sequence + 1)...state.lastSequence {
                let message = try await stack.environment.jetStream.message(
                    stream: StreamName.pricesRaw, sequence: next)
                batches.append(try PriceBatch.decoded(from: message.data, schemaTag: message.headers[schemaHeader]))
            }
            return batches
        }

        @Test(
            "a replay of stored sessions re-publishes them from storage: same results, provider untouched; --refetch fetches"
        )
        func replayFromStorage() async throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
                "replay-input-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let prices = folder.appendingPathComponent("prices.csv")
            let stocks = folder.appendingPathComponent("stocks.csv")
            try EndToEndTests.prices.write(to: prices, atomically: true, encoding: .utf8)
            try EndToEndTests.stocks.write(to: stocks, atomically: true, encoding: .utf8)
            let stack = try await ExecutableStack([
                "CSV_PRICES_FILE": prices.path, "CSV_STOCKS_FILE": stocks.path, "INDEX_SIZE": "2",
                "SCHEDULE_ENABLED": "false",
            ])
            var passed = false
            defer { Task { [passed] in await stack.shutdown(keep: !passed) } }
            let backfill = [
                "backfill", "--from", Self.range.from, "--to", Self.range.to, "--provider", "csv", "--timeout", "60",
            ]

            // 1. Nothing stored: every session comes from the CSV provider.
            try await stack.indexctl(backfill)
            let first = try await Self.stored(stack)
            // The hand-computed numbers of EndToEndTests.csvThroughThePipeline.
            expectClose(first.points.map(\.level), [1000, 1025, 1076.25, 1076.25])
            #expect(first.sessions.map(\.rejectedRows) == [0, 1, 1, 0])
            #expect(first.status.rejectedRows == 2)
            let fetched = try await Self.rawBatches(stack, after: 0)
            #expect(fetched.map(\.replay?.refetched) == [true, true, true, true])

            // 2. The file is gone: a replay that needed the provider would fail (the csv provider cannot load it).
            try FileManager.default.removeItem(at: prices)
            let beforeReplay = try await stack.environment.jetStream.streamState(StreamName.pricesRaw).lastSequence
            let validBefore = try await stack.environment.jetStream.streamState(StreamName.pricesValid).lastSequence
            try await stack.indexctl(backfill)
            #expect(try await Self.stored(stack) == first)
            let republished = try await Self.rawBatches(stack, after: beforeReplay)
            #expect(republished.map(\.date) == Self.dates)
            #expect(republished.allSatisfy { $0.replay?.refetched == false })
            #expect(republished.map(\.batchID) == first.sessions.map(\.batchID))
            #expect(Set(republished.compactMap(\.replay?.replayID)).count == 1)
            // The same rows as fetched, rejected ones at their places (the duplicate A of 01-03 after the first A).
            let duplicateDay = try #require(republished.first { $0.date == Self.dates[1] })
            #expect(duplicateDay.rows.map(\.ticker) == ["A", "B", "C", "D", "A"])
            #expect(duplicateDay.rows.last?.close == 999)
            // Validated again, not swallowed as duplicates of the first run.
            let validAfter = try await stack.environment.jetStream.streamState(StreamName.pricesValid).lastSequence
            #expect(validAfter == validBefore + 4)

            // 3. The same replay again is a new replay, processed again rather than de-duplicated.
            try await stack.indexctl(backfill)
            #expect(try await Self.stored(stack) == first)
            let validAgain = try await stack.environment.jetStream.streamState(StreamName.pricesValid).lastSequence
            #expect(validAgain == validAfter + 4)

            // 4. --refetch asks the provider: with the file gone it fails ...
            await #expect(throws: (any Error).self) {
                try await stack.indexctl(backfill + ["--refetch", "--timeout", "10"])
            }
            // ... and with a changed file it stores the changed day: C closes at 7.26 (+10 %) on 01-05.
            let changed = EndToEndTests.prices.replacingOccurrences(
                of: "2024-01-05,C,6.6,6.6,6.6,6.6,100,330", with: "2024-01-05,C,7.26,7.26,7.26,7.26,100,330"
            )
            #expect(changed != EndToEndTests.prices)
            try changed.write(to: prices, atomically: true, encoding: .utf8)
            try await stack.indexctl(backfill + ["--refetch"])
            let refetched = try await Self.stored(stack)
            #expect(refetched.sessions.prefix(3).map(\.batchID) == first.sessions.prefix(3).map(\.batchID))
            #expect(refetched.sessions[3].batchID != first.sessions[3].batchID)
            // 01-05: R = mean(C 7.26/6.6 - 1, A 12/12 - 1) = 0.05 -> 1076.25 * 1.05.
            expectClose(refetched.points.map(\.level), [1000, 1025, 1076.25, 1130.0625])
            passed = true
            await stack.shutdown(keep: !passed)
        }
    }
}
