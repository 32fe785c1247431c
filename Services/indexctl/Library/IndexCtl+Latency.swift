import ArgumentParser
import Contracts
import Foundation
import NATSClient
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
            // Storage is asked when it announces a commit of the index (and every 50 ms in case an announcement
            // is missed), not polled every millisecond: a thousand queries a second would load the storage whose
            // write is being timed.
            let checks = try IndexCtl.storedChecks(client)
            defer { checks.stop() }
            var check = checks.stream.makeAsyncIterator()
            for _ in 0..<count {
                let replayID = "latency-\(UUID().uuidString.lowercased())"
                let request = ReplayRequest(replayID: replayID, from: date, to: date)
                let started = ContinuousClock.now
                try await client.pipeline.requestReplay(request)
                while await check.next() != nil {
                    let records = try await client.storage.ask(
                        SessionsQuery(index: client.index, range: DateRange(start: date, end: date))
                    ).sessions
                    if records.first(where: { $0.date == date })?.isComplete == true { break }
                    if ContinuousClock.now - started > .seconds(30) {
                        throw OperatorError("\(date) was not computed in 30 s")
                    }
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

    /// When to ask storage again: each commit storage announces for the index, and every 50 ms.
    private static func storedChecks(_ client: PipelineClient) throws -> (stream: AsyncStream<Void>, stop: () -> Void) {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let stored = try client.pipeline.connection.subscribe(Subjects.indexStored(client.index))
        let announcements = Task { for await _ in stored { continuation.yield() } }
        let ticks = Task {
            while !Task.isCancelled {
                continuation.yield()
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        return (
            stream,
            {
                announcements.cancel()
                ticks.cancel()
                stored.unsubscribe()
                continuation.finish()
            }
        )
    }
}
