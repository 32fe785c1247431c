import ArgumentParser
import Contracts
import Foundation
import Pipeline
import ServiceSupport
import TradingCalendar

extension IndexCtl {
    /// `indexctl measure-latency`: for benchmarks, the time from a replay request for one new session until its
    /// index result is stored and queryable, session after session.
    struct MeasureLatency: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "measure-latency",
            abstract: "Benchmark: fetch-to-queryable latency of new sessions, one at a time.",
            shouldDisplay: false
        )

        @Option(help: "The first session to add (after the stored series).", transform: parseSessionDate)
        var from: SessionDate

        @Option(help: "How many consecutive sessions to add.")
        var count: Int = 10

        @Option(name: .customLong("nats-url"), help: "NATS server URL (NATS_URL).")
        var natsURL: String?

        init() {}

        func run() async throws {
            let calendar = NYSECalendar.standard
            let url = try natsURL ?? ServiceConfiguration().natsURL
            let client = try await PipelineClient.connect(natsURL: url)
            var date = calendar.isSession(from) ? from : (calendar.nextSession(after: from) ?? from)
            var samples: [Double] = []
            for _ in 0..<count {
                let replayID = "latency-\(UUID().uuidString.lowercased())"
                let request = ReplayRequest(replayID: replayID, from: date, to: date)
                let started = ContinuousClock.now
                try await client.pipeline.requestReplay(request)
                while true {
                    let records = try await client.storage.ask(
                        SessionsQuery(index: client.index, range: DateRange(start: date, end: date))
                    ).sessions
                    if records.first(where: { $0.date == date })?.isComplete == true { break }
                    if ContinuousClock.now - started > .seconds(30) {
                        throw OperatorError("\(date) was not computed in 30 s")
                    }
                    try await Task.sleep(for: .milliseconds(1))
                }
                let milliseconds = (ContinuousClock.now - started).seconds * 1000
                samples.append(milliseconds)
                print("\(date)\t\(String(format: "%.1f", milliseconds)) ms")
                guard let next = calendar.nextSession(after: date) else { break }
                date = next
            }
            let sorted = samples.sorted()
            if !sorted.isEmpty {
                print(
                    String(
                        format: "latency over %d sessions: median %.1f ms, max %.1f ms", sorted.count,
                        sorted[sorted.count / 2], sorted.last!
                    ))
            }
            await client.close()
        }
    }
}
