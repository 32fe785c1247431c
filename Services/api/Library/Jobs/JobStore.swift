import Contracts
import Foundation
import NATSClient
import Synchronization

/// Where build jobs are kept, so that a job outlives the API process that accepted it.
package protocol JobStore: Sendable {
    /// Records the job's current state.
    func save(_ job: JobRecord) async throws
    /// The job's latest state, or nil when no such job is known.
    func load(_ id: String) async throws -> JobRecord?
}

/// Jobs on the `JOBS` stream: every state change is a message on `jobs.state.<id>`; the latest is the job.
package struct JetStreamJobStore: JobStore {
    private let jetStream: JetStream

    /// A store on `jetStream`.
    package init(jetStream: JetStream) { self.jetStream = jetStream }

    package func save(_ job: JobRecord) async throws {
        _ = try await jetStream.publish(Subjects.jobState(job.id), data: try job.encoded(), headers: job.headers)
    }

    package func load(_ id: String) async throws -> JobRecord? {
        guard let message = try await jetStream.lastMessage(stream: StreamName.jobs, subject: Subjects.jobState(id))
        else { return nil }
        return try JobRecord.decoded(from: message.data, headers: message.headers)
    }
}

/// Jobs in memory, for tests.
package final class MemoryJobStore: JobStore {
    private let jobs = Mutex<[String: JobRecord]>([:])
    /// Every state saved, in order.
    private let history = Mutex<[JobRecord]>([])

    /// An empty store.
    package init() {}

    package func save(_ job: JobRecord) async throws {
        jobs.withLock { $0[job.id] = job }
        history.withLock { $0.append(job) }
    }

    package func load(_ id: String) async throws -> JobRecord? {
        jobs.withLock { $0[id] }
    }

    /// Every state saved, oldest first.
    package func allStates() -> [JobRecord] {
        history.withLock { $0 }
    }

    /// The states saved for `id`, oldest first.
    package func states(of id: String) -> [JobRecord.Status] {
        history.withLock { $0.filter { $0.id == id }.map(\.status) }
    }
}
