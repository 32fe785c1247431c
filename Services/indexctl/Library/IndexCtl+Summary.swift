import ArgumentParser
import Contracts
import Foundation
import Methodology
import Pipeline
import ServiceSupport
import TradingCalendar

extension IndexCtl {
    /// `indexctl summary`: what storage holds, in a few lines: sessions, latest level, total return, latest changes.
    struct Summary: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Summarise the stored index: sessions, first and latest session, latest level, total return "
                + "and the latest composition changes."
        )

        @Option(name: .customLong("nats-url"), help: "NATS server URL (NATS_URL).")
        var natsURL: String?

        @Option(help: "How many of the latest sessions with a composition change to show.")
        var changes: Int = 3

        @Option(help: "The index definition: ew100 (price return), ew100-tr (total return) or an added one.")
        var index: String = Indexes.defaultID

        init() {}

        func validate() throws {
            guard changes >= 0 else { throw ValidationError("--changes must be 0 or more") }
            guard IndexDefinition.isValidID(index) else {
                throw ValidationError("--index \(index) is no index id (a-z, 0-9 and '-', starting with a letter)")
            }
        }

        func run() async throws {
            do {
                let url = try natsURL ?? ServiceConfiguration().natsURL
                let client = try await PipelineClient.connect(natsURL: url, index: index)
                defer { Task { await client.close() } }
                guard try await !client.storage.ask(DefinitionsQuery(id: index)).definitions.isEmpty else {
                    throw OperatorError("no index named '\(index)' (indexctl index list shows them)")
                }
                print(try await client.storedSummary(latestChanges: changes), terminator: "")
            } catch let error as OperatorError {
                FileHandle.standardError.write(Data("indexctl summary: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}

extension PipelineClient {
    /// The summary `indexctl summary` prints, one fact per line.
    func storedSummary(latestChanges: Int) async throws -> String {
        let status = try await storage.ask(StatusQuery(index: index))
        guard let first = status.firstIndexSession, let last = status.lastIndexSession else {
            return "index \(index): no index session stored yet (indexctl backfill or indexctl ingest)\n"
        }
        let points = try await storage.ask(PerformanceQuery(index: index, range: DateRange(start: first, end: last)))
            .points
        guard let firstPoint = points.first, let lastPoint = points.last else {
            throw OperatorError("storage reports sessions \(first)...\(last) but returned no level for them")
        }
        let events = try await storage.ask(ChangesQuery(index: index, range: DateRange(start: first, end: last)))
            .changes
            .filter { !$0.added.isEmpty || !$0.removed.isEmpty }
        let analytics = RangeAnalytics(points: points)
        func percent(_ value: Double?) -> String { value.map { String(format: "%+.2f %%", $0 * 100) } ?? "-" }
        func session(_ move: RangeAnalytics.SessionReturn?) -> String {
            move.map { "\(percent($0.dailyReturn)) on \($0.date)" } ?? "-"
        }
        var lines = [
            "index          \(index)",
            "sessions       \(status.indexSessions) (\(first) ... \(last))",
            "latest level   \(String(format: "%.4f", lastPoint.level)) on \(lastPoint.date)",
            "total return   \(percent(analytics.totalReturn)) since \(firstPoint.date) "
                + "(level \(String(format: "%.4f", firstPoint.level)))",
            "volatility     \(analytics.annualizedVolatility.map { String(format: "%.2f %%", $0 * 100) } ?? "-") "
                + "annualized",
            "annualized     \(percent(analytics.annualizedReturn)) a year",
            "sharpe         \(analytics.sharpe.map { String(format: "%.2f", $0) } ?? "-") (risk-free rate 0)",
            "sortino        \(analytics.sortino.map { String(format: "%.2f", $0) } ?? "-")",
            "max drawdown   \(percent(analytics.maxDrawdown))",
            "turnover       \(analytics.turnover.map { String(format: "%.2f", $0) } ?? "-") over the range, "
                + "\(analytics.turnoverPerRebalance.map { String(format: "%.4f", $0) } ?? "-") per rebalance",
            "best session   \(session(analytics.bestSession))",
            "worst session  \(session(analytics.worstSession))",
            "changes        \(events.count) sessions with a composition change",
        ]
        for event in events.suffix(latestChanges).reversed() {
            let added = event.added.map(\.ticker).sorted().joined(separator: " ")
            let removed = event.removed.map(\.ticker).sorted().joined(separator: " ")
            lines.append(
                "  \(event.date)  added: \(added.isEmpty ? "-" : added)  removed: \(removed.isEmpty ? "-" : removed)"
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
