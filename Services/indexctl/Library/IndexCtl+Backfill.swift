import ArgumentParser
import Contracts
import Foundation
import Pipeline
import ServiceSupport
import TradingCalendar

extension IndexCtl {
    /// `indexctl backfill --from D --to D [--provider P]`: fetch and compute a range, by replay.
    struct Backfill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch and compute a range of sessions through the pipeline (a replay); return when every "
                + "session is computed and stored.",
            discussion: "Sessions not stored yet are fetched from the provider; stored ones are re-published from "
                + "storage (the provider is not asked) unless --refetch."
        )

        @Option(help: "First date, YYYY-MM-DD.", transform: parseSessionDate)
        var from: SessionDate

        @Option(help: "Last date, YYYY-MM-DD.", transform: parseSessionDate)
        var to: SessionDate

        @Option(help: "Provider to fetch from (default: the fetcher's PROVIDER).")
        var provider: String?

        @Flag(help: "Fetch stored sessions from the provider again instead of re-publishing them from storage.")
        var refetch = false

        @Option(name: .customLong("nats-url"), help: "NATS server URL (NATS_URL).")
        var natsURL: String?

        @Option(help: "Seconds without progress before giving up.")
        var timeout: Double = 300

        init() {}

        func validate() throws {
            guard from <= to else { throw ValidationError("--from \(from) is after --to \(to)") }
            let coverage = NYSECalendar.coverage
            guard coverage.contains(from), coverage.contains(to) else {
                throw ValidationError("the calendar covers \(coverage.lowerBound) through \(coverage.upperBound)")
            }
        }

        func run() async throws {
            do {
                try await backfill()
            } catch let error as OperatorError {
                FileHandle.standardError.write(Data("indexctl backfill: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }

        private func backfill() async throws {
            let calendar = NYSECalendar.standard
            let url = try natsURL ?? ServiceConfiguration().natsURL
            let client = try await PipelineClient.connect(natsURL: url)
            defer { Task { await client.close() } }
            let stored = try await client.storedSessions()
            // "Building a later range fills any gap first": the range grows to meet the stored series.
            let replay = DateRange(start: from, end: to).replayRange(stored: stored, calendar: calendar)
            let (start, end) = (replay.start, replay.end)
            if start < from {
                FileHandle.standardError.write(
                    Data("extending the range to \(start) to fill the gap before \(from)\n".utf8))
            }
            if end > to {
                FileHandle.standardError.write(Data("extending the range to \(end) to meet the stored series\n".utf8))
            }
            let sessions = calendar.sessions(from: start, to: end)
            guard !sessions.isEmpty else { throw OperatorError("no NYSE session in \(start)...\(end)") }

            // Dead letters count from before the request is published, so none of the run's can be missed.
            try client.pipeline.watchDeadLetters()
            let replayID = "backfill-\(UUID().uuidString.lowercased())"
            let request = ReplayRequest(
                replayID: replayID, from: start, to: end, provider: provider, refetch: refetch, index: client.index
            )
            let since = Date()
            try await client.pipeline.requestReplay(request)
            FileHandle.standardError.write(
                Data("replay \(replayID): \(sessions.count) sessions \(start)...\(end)\n".utf8))
            try await client.follow(
                .replay(request, since: since, stallWhileQueued: true), stallTimeout: .seconds(timeout),
                label: "backfill"
            )
            print(try await client.summary(DateRange(start: start, end: end)))
        }
    }
}
