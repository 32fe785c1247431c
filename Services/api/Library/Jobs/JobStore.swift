import Contracts
import Foundation
import Pipeline
import Synchronization

/// Where build jobs are kept, so that a job outlives the API process that accepted it.
package protocol JobStore: Sendable {
    /// Records the job's current state.
    func save(_ job: JobRecord) async throws
    /// The job's latest state, or nil when no such job is known.
    func load(_ id: String) async throws -> JobRecord?
    /// Every job kept, each at its latest state, in no particular order.
    func list() async throws -> [JobRecord]
}

/// Jobs on the `JOBS` stream: every state change is a message on the job's subject; the latest is the job.
package struct PipelineJobStore: JobStore {
    private let pipeline: NATSPipeline

    /// A store on `pipeline`.
    package init(pipeline: NATSPipeline) { self.pipeline = pipeline }

    package func save(_ job: JobRecord) async throws { try await pipeline.publish(job) }

    package func load(_ id: String) async throws -> JobRecord? { try await pipeline.latestJob(id) }

    package func list() async throws -> [JobRecord] { try await pipeline.jobs() }
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

    package func list() async throws -> [JobRecord] {
        jobs.withLock { Array($0.values) }
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
