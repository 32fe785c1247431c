import Contracts
import Foundation
import TradingCalendar

/// Adding an index definition, the one workflow behind `POST /indexes` and `indexctl index add`: the job that builds
/// its history is recorded queued first, then storage is asked to keep the definition (storage announces it, and the
/// index-builder computes the history and publishes the job's later states); an id in use fails the job.
package enum DefinitionWorkflow {
    /// What adding a definition came to.
    package enum Outcome: Sendable {
        /// Stored; its history is being built by `job`.
        case created(StoredDefinition, job: JobRecord)
        /// The id was in use (the definition that has it); nothing changed.
        case idInUse(StoredDefinition)
    }

    /// Adds `definition`.
    /// - Parameters:
    ///   - sessions: the stored session records (their dates with valid rows make the job's range and size).
    ///   - define: asks storage to keep the definition with the job's id.
    ///   - saveJob: records a job state.
    ///   - now: the clock.
    package static func add(
        _ definition: IndexDefinition, sessions: [SessionRecord],
        define: (IndexDefinition, String) async throws -> DefineIndexReply,
        saveJob: (JobRecord) async throws -> Void, now: () -> Date = { Date() }
    ) async throws -> Outcome {
        let calendar = NYSECalendar.standard
        let dates = sessions.filter { $0.validRows > 0 && calendar.isSession($0.date) }.map(\.date).sorted()
        let created = now()
        // With nothing stored yet the job has nothing to build: its range is today in New York.
        let today = SessionDate.today(in: TimeZone(identifier: "America/New_York") ?? .gmt, now: created)
        var job = JobRecord(
            id: "job-" + UUID().uuidString.lowercased(), index: definition.id, status: .queued,
            startDate: dates.first ?? today, endDate: dates.last ?? today, replayStart: dates.first ?? today,
            replayEnd: dates.last ?? today, sessionsTotal: dates.count, sessionsDone: 0, refetch: false,
            createdAt: created, updatedAt: created, kind: .definition
        )
        try await saveJob(job)
        let reply: DefineIndexReply
        do {
            reply = try await define(definition, job.id)
        } catch {
            job.status = .failed
            job.error = "the definition could not be stored: \(error)"
            job.updatedAt = now()
            try? await saveJob(job)
            throw error
        }
        guard reply.created else {
            job.status = .failed
            job.error = "the index id '\(definition.id)' is in use"
            job.updatedAt = now()
            try? await saveJob(job)
            return .idInUse(reply.definition)
        }
        return .created(reply.definition, job: job)
    }
}
