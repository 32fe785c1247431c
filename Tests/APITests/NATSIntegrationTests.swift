import APIService
import Contracts
import Foundation
import Logging
import NATSClient
import NIOCore
import Pipeline
import ServiceLifecycle
import TestSupport
import Testing
import TradingCalendar

@Suite("API on a real nats-server")
struct NATSIntegrationTests {
    @Test("jobs are kept on the JOBS stream: the latest state of each job is read back; an unknown job is nil")
    func jobStore() async throws {
        let environment = try await NATSTestEnvironment()
        defer { Task { await environment.shutdown() } }
        try await environment.jetStream.ensure(Topology.pipeline)
        let store = PipelineJobStore(pipeline: environment.pipeline)
        let day = SessionDate("2024-01-02")!
        var job = JobRecord(
            id: "job-1", index: "ew100", status: .queued, startDate: day, endDate: day, replayStart: day,
            replayEnd: day,
            sessionsTotal: 1, sessionsDone: 0, refetch: false, createdAt: Date(), updatedAt: Date()
        )
        try await store.save(job)
        job.status = .succeeded
        job.sessionsDone = 1
        try await store.save(job)
        #expect(try await store.load("job-1") == job)
        #expect(try await store.load("job-2") == nil)

        // The list holds every job once, at its latest state.
        #expect(try await store.list() == [job])
        var others: [JobRecord] = []
        for number in 2...4 {
            var other = job
            other.id = "job-\(number)"
            other.status = .queued
            try await store.save(other)
            other.status = .cancelled
            try await store.save(other)
            others.append(other)
        }
        #expect(try await store.list().sorted { $0.id < $1.id } == [job] + others)
    }

    @Test("the pipeline sees a replay request pending until the fetcher acknowledges it")
    func replayPending() async throws {
        let environment = try await NATSTestEnvironment()
        defer { Task { await environment.shutdown() } }
        try await environment.jetStream.ensure(Topology.pipeline)
        let gateway = environment.pipeline
        let day = SessionDate("2024-01-02")!
        try await gateway.requestReplay(ReplayRequest(replayID: "job-r", from: day, to: day))
        #expect(try await gateway.isReplayPending("job-r"))
        #expect(try await gateway.isReplayPending("job-other") == false)
        let consumer = try environment.jetStream.pullConsumer(
            try #require(Topology.pipeline.consumer(ConsumerName.fetcherReplay)))
        let messages = try await consumer.fetch(batch: 1, expires: .seconds(2))
        for message in messages { try await message.ack() }
        #expect(try await eventually { try await gateway.isReplayPending("job-r") == false })
    }

    @Test("storage's commit notice and index results on NATS empty the cache")
    func invalidation() async throws {
        let environment = try await NATSTestEnvironment()
        let cache = ResponseCache(capacityBytes: 1 << 20)
        let jobs = try TestAPI().jobs
        let invalidator = CacheInvalidator(
            staleness: try environment.pipeline.staleness(), cache: cache,
            directory: IndexDirectory(reader: FakeIndexReader()),
            jobs: jobs
        )
        let task = Task { try await invalidator.run() }
        defer {
            task.cancel()
            Task { await environment.shutdown() }
        }
        for subject in [Subjects.indexStored("ew100"), Subjects.indexComputed("ew100", SessionDate("2024-01-02")!)] {
            cache.store("k", body: ByteBuffer(string: "x"), generation: cache.generation)
            #expect(cache.count == 1)
            // The subscription may not be registered yet the first time: publish until the cache empties.
            let emptied = try await eventually(every: .milliseconds(50)) {
                try environment.connection.publish(subject, data: Data("ew100".utf8))
                return cache.count == 0
            }
            #expect(emptied, "\(subject)")
        }
    }
}
