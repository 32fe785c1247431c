import APIService
import Contracts
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NATSClient
import NIOCore
import Pipeline
import TestSupport
import Testing
import TradingCalendar

@Suite("GET /events on a real nats-server")
struct EventsNATSTests {
    static func result(_ date: String, level: Double) -> IndexResult {
        IndexResult(
            index: "ew100", date: SessionDate(date)!, previousDate: SessionDate("2024-01-02"), level: level,
            dailyReturn: level / 1000 - 1,
            constituents: [Constituent(ticker: "AAA", rank: 1, weight: 1, marketCap: 3e12, close: 5)]
        )
    }

    static func job(_ status: JobRecord.Status) -> JobRecord {
        let day = SessionDate("2024-01-03")!
        return JobRecord(
            id: "job-nats", index: "ew100", status: status, startDate: day, endDate: day, replayStart: day,
            replayEnd: day, sessionsTotal: 1, sessionsDone: status == .succeeded ? 1 : 0, refetch: false,
            createdAt: Date(), updatedAt: Date())
    }

    @Test("the pipeline's streams are read by sequence: what is kept, then what is stored while following")
    func followsStreams() async throws {
        let environment = try await NATSTestEnvironment()
        defer { Task { await environment.shutdown() } }
        try await environment.jetStream.ensure(Topology.pipeline)
        let pipeline = environment.pipeline
        #expect(try await pipeline.retained(.sessions) == RetainedSequences(first: 1, last: 0))
        try await pipeline.publish(Self.result("2024-01-03", level: 1001))
        try await pipeline.publish(Self.result("2024-01-04", level: 1002))
        #expect(try await pipeline.retained(.sessions) == RetainedSequences(first: 1, last: 2))

        // From sequence 2: the kept second result, then one published while following.
        var iterator = try pipeline.follow(.sessions, from: 2).makeAsyncIterator()
        let kept = try #require(await iterator.next())
        #expect(kept.sequence == 2)
        guard case .session(let second) = kept.payload else {
            Issue.record("not a session: \(String(describing: kept.payload))")
            return
        }
        #expect(second.level == 1002)
        try await pipeline.publish(Self.result("2024-01-05", level: 1003))
        let live = try #require(await iterator.next())
        #expect(live.sequence == 3)
        if case .session(let third) = live.payload { #expect(third.date == SessionDate("2024-01-05")) }

        try await pipeline.publish(Self.job(.queued))
        var jobs = try pipeline.follow(.jobs, from: 1).makeAsyncIterator()
        let queued = try #require(await jobs.next())
        if case .job(let job) = queued.payload { #expect(job.status == .queued) } else { Issue.record("not a job") }
    }

    @Test("a client resuming with Last-Event-ID gets what it missed from JetStream, then live events, until shutdown")
    func resumesOverHTTP() async throws {
        let environment = try await NATSTestEnvironment()
        defer { Task { await environment.shutdown() } }
        try await environment.jetStream.ensure(Topology.pipeline)
        let pipeline = environment.pipeline
        try await pipeline.publish(Self.result("2024-01-03", level: 1001))
        try await pipeline.publish(Self.result("2024-01-04", level: 1002))
        try await pipeline.publish(
            CompositionEvent(
                index: "ew100", date: SessionDate("2024-01-04")!, previousDate: SessionDate("2024-01-03")!,
                added: [CompositionChange(ticker: "CCC", rank: 1, marketCap: 4e12)],
                removed: [CompositionChange(ticker: "AAA", rank: 3, marketCap: 1e12)]))

        let api = try TestAPI()
        let events = EventStreams(log: pipeline)
        var dependencies = try api.dependencies()
        dependencies.events = events
        let application = API.makeApplication(dependencies, logger: Logger.test("api"))
        try await application.test(.live) { client in
            // The client saw the first session before it lost its connection.
            async let response = client.get("/events", headers: [.lastEventID: "1-0-0"])
            #expect(await eventually { events.eventsSent == 2 })
            try await pipeline.publish(Self.job(.succeeded))
            #expect(await eventually { events.eventsSent == 3 })
            await events.shutdown()
            let answer = try await response
            #expect(answer.status == .ok)
            let text = String(buffer: answer.body)
            let sent = try SentEvent.parse(text)
            // The missed session and composition come first, in either order (two streams read side by side).
            #expect(Set(sent.prefix(2).map(\.name)) == ["session", "composition"])
            #expect(sent.map(\.name).last == "job")
            #expect(sent.last?.id == "2-1-1")
            #expect(sent.first { $0.name == "session" }?.data["level"] as? Double == 1002)
            #expect(sent.last?.data["status"] as? String == "succeeded")
            #expect(text.hasSuffix(": the API is shutting down; reconnect\n\n"))
        }
        #expect(events.openCount == 0)
    }
}
