import Contracts
import Foundation
import NATSClient
import Pipeline
import TestSupport
import Testing
import TradingCalendar

/// Subjects, message ids and schema names come from the message, in one place.
@Suite("Routing: subjects, message ids and schemas derived from messages")
struct RoutingTests {
    let day = SessionDate("2024-01-02")!
    let replay = ReplayMark(replayID: "r-7", refetched: false)

    @Test("each pipeline message names its subject from its own fields")
    func subjects() {
        let batch = PriceBatch(batchID: "b", date: day, source: "sim", rows: [])
        #expect(batch.subject == "prices.raw.2024-01-02")
        let valid = ValidatedBatch(
            batchID: "b", date: day, source: "sim", replay: nil, rows: [], stocks: [], receivedRows: 0,
            rejectedRows: 0
        )
        #expect(valid.subject == "prices.valid.2024-01-02")
        #expect(
            RejectionBatch(batchID: "b", date: day, source: "sim", rejections: []).subject
                == "prices.rejected.2024-01-02")
        let result = IndexResult(
            index: "ew100", date: day, previousDate: nil, level: 1000, dailyReturn: 0, constituents: []
        )
        #expect(result.subject == "index.computed.ew100.2024-01-02")
        let event = CompositionEvent(index: "ew100", date: day, previousDate: day, added: [], removed: [])
        #expect(event.subject == "composition.changed.ew100.2024-01-02")
        #expect(ReplayRequest(replayID: "r-7", from: day, to: day).subject == "replay.requested.r-7")
        #expect(Subjects.storageRequest(.performance) == "storage.query.performance")
        #expect(Subjects.storageRequest(.backup) == "storage.command.backup")
    }

    @Test("a replay's messages carry the replay id in their message id; the same content otherwise keeps its id")
    func messageIDs() throws {
        let plain = PriceBatch(batchID: "b1", date: day, source: "sim", chunk: ChunkInfo(index: 1, count: 3), rows: [])
        var replayed = plain
        replayed.replay = replay
        #expect(plain.messageID(body: try plain.encoded()) == "raw:b1:1/3")
        #expect(replayed.messageID(body: try replayed.encoded()) == "raw:b1:1/3:r-7")
        let rejections = RejectionBatch(batchID: "b1", date: day, source: "sim", replay: replay, rejections: [])
        #expect(rejections.messageID(body: try rejections.encoded()) == "rejected:b1:r-7")
        let request = ReplayRequest(replayID: "r-7", from: day, to: day)
        #expect(request.messageID(body: try request.encoded()) == "r-7")
        let job = JobRecord(
            id: "job-1", index: "ew100", status: .queued, startDate: day, endDate: day, replayStart: day,
            replayEnd: day, sessionsTotal: 1, sessionsDone: 0, refetch: false, createdAt: Date(), updatedAt: Date()
        )
        #expect(job.messageID(body: try job.encoded()) == nil)
    }

    @Test("an index result's message id changes with its content and not otherwise")
    func contentIDs() throws {
        let result = IndexResult(
            index: "ew100", date: day, previousDate: nil, level: 1000, dailyReturn: 0,
            constituents: [Constituent(ticker: "A", rank: 1, weight: 1, marketCap: 10, close: 2)]
        )
        var moved = result
        moved.constituents[0].close = 2.5
        let id = result.messageID(body: try result.encoded())
        #expect(id == result.messageID(body: try result.encoded()))
        #expect(id != moved.messageID(body: try moved.encoded()))
        #expect(id?.hasPrefix("index:ew100:2024-01-02:") == true)
    }

    @Test("schema names are derived from the kind of message or request")
    func schemas() {
        #expect(PriceBatch.schema == "price-batch")
        #expect(RejectionBatch.schemaTag == "rejection-batch/2")
        #expect(JobRecord.schema == "job")
        #expect(PerformanceQuery.schema == "performance-query")
        #expect(PerformanceReply.schema == "performance-reply")
        #expect(SessionPricesQuery.schema == "session-prices-query")
        #expect(BackupCommand.schema == "backup-command")
        #expect(BackupReply.schema == "backup-reply")
        #expect(StoredBatchReply.schema == "stored-batch-reply")
        // Every message kind names a distinct schema.
        #expect(Set(MessageKind.allCases.map(\.rawValue)).count == MessageKind.allCases.count)
    }

    @Test("a dead letter knows the session or the replay its message was for")
    func deadLetterAddresses() {
        let now = Date()
        let raw = DeadLetter(subject: "prices.raw.2024-01-02", reason: "x", receivedAt: now)
        #expect(raw.sessionDate == day && raw.replayID == nil)
        let computed = DeadLetter(subject: "index.computed.ew100.2024-01-02", reason: "x", receivedAt: now)
        #expect(computed.sessionDate == day)
        let changed = DeadLetter(subject: "composition.changed.ew100.2024-01-02", reason: "x", receivedAt: now)
        #expect(changed.sessionDate == day)
        let request = DeadLetter(subject: "replay.requested.job-42", reason: "x", receivedAt: now)
        #expect(request.replayID == "job-42" && request.sessionDate == nil)
        let other = DeadLetter(subject: "jobs.state.2024-01-02", reason: "x", receivedAt: now)
        #expect(other.sessionDate == nil && other.replayID == nil)
        #expect(raw.concerns(replayID: nil, dates: [day]))
        #expect(!raw.concerns(replayID: "job-42", dates: []))
        #expect(request.concerns(replayID: "job-42", dates: []))
    }

    @Test("every consumer of the pipeline topology reads a declared stream and a subject that stream captures")
    func topologyIsConsistent() {
        let topology = Topology.pipeline
        #expect(Set(topology.streams.map(\.name)).count == topology.streams.count)
        #expect(Set(topology.consumers.map(\.durable)).count == topology.consumers.count)
        for consumer in topology.consumers {
            let stream = topology.stream(consumer.stream)
            #expect(stream != nil, "\(consumer.durable) reads an undeclared stream")
            #expect(stream?.subjects.contains(consumer.filterSubject) == true, "\(consumer.durable)")
        }
    }
}
