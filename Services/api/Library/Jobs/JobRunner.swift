import Contracts
import Foundation
import Logging
import Metrics
import Pipeline
import TradingCalendar

/// Why a build job could not be accepted or cancelled.
package enum JobError: Error, CustomStringConvertible {
    /// The range holds no NYSE session.
    case noSessions(DateRange)
    /// The replay request could not be published (the broker did not take it).
    case notQueued(reason: String)
    /// The job has ended; there is nothing to cancel.
    case finished(JobRecord)
    /// A definition's history is computed in one pass by the index-builder; it ends with the definition.
    case notCancellable(JobRecord)

    /// One line.
    package var description: String {
        switch self {
        case .noSessions(let range): "there is no NYSE session from \(range.start) to \(range.end)"
        case .notQueued(let reason): "the build could not be queued: \(reason)"
        case .finished(let job): "job \(job.id) has already \(job.status.rawValue)"
        case .notCancellable(let job):
            "job \(job.id) builds the history of index \(job.index); remove the index (DELETE /indexes/\(job.index)) "
                + "to stop it"
        }
    }
}

/// One page of jobs, newest first, and the cursor of the next page (nil on the last).
package struct JobPage: Sendable {
    /// The jobs.
    package var jobs: [JobRecord]
    /// Where the next page starts.
    package var nextCursor: String?
}

/// Runs build jobs: publishes each job's replay request, then follows the pipeline until every session of the
/// range is computed and stored (succeeded), or a message of it is dead-lettered or it stops progressing (failed).
/// Every state change is saved to the ``JobStore``; a job found there unfinished after a restart is followed again.
package actor JobRunner {
    /// Timings of the follow-up.
    package struct Settings: Sendable {
        /// How long a job that the fetcher has taken may go without progress before it fails.
        package var stallTimeout: Duration

        /// Settings.
        package init(stallTimeout: Duration = .seconds(600)) {
            self.stallTimeout = stallTimeout
        }
    }

    private let reader: any IndexReader
    private let publisher: any PipelinePublishing
    private let follower: any ReplayFollowing
    private let store: any JobStore
    private let settings: Settings
    private let logger: Logger
    private let calendar = NYSECalendar.standard
    private let now: @Sendable () -> Date
    private var jobs: [String: JobRecord] = [:]
    private var trackers: [String: Task<Void, Never>] = [:]
    private let finished = Counter(label: "api_jobs_finished_total")

    /// A runner publishing replay requests through `publisher` and following them with `follower`.
    package init(
        reader: any IndexReader, publisher: any PipelinePublishing, follower: any ReplayFollowing,
        store: any JobStore, settings: Settings = Settings(), logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.reader = reader
        self.publisher = publisher
        self.follower = follower
        self.store = store
        self.settings = settings
        self.logger = logger
        self.now = now
    }

    /// Accepts a job for `range`: plans the replay range, saves the job queued, publishes its replay request and
    /// starts following it.
    package func submit(index: String, range: DateRange, refetch: Bool) async throws -> JobRecord {
        let stored = Set(
            try await reader.sessions(index: index, range: .coverage).map(\.date).filter(calendar.isSession)
        )
        let replay = range.replayRange(stored: stored, calendar: calendar)
        let sessions = calendar.sessions(from: replay.start, to: replay.end)
        guard !sessions.isEmpty else { throw JobError.noSessions(range) }
        let id = "job-" + UUID().uuidString.lowercased()
        let created = now()
        let job = JobRecord(
            id: id, index: index, status: .queued, startDate: range.start, endDate: range.end,
            replayStart: replay.start, replayEnd: replay.end, sessionsTotal: sessions.count, sessionsDone: 0,
            refetch: refetch, createdAt: created, updatedAt: created
        )
        try await store.save(job)
        do {
            try await publisher.requestReplay(Self.request(of: job))
        } catch {
            // The caller gets the error; the job is not left queued for a request that was never sent.
            var failed = job
            failed.status = .failed
            failed.error = "the replay request could not be published: \(error)"
            failed.updatedAt = now()
            try? await store.save(failed)
            logger.error("replay request not published", metadata: ["job.id": "\(id)", "error": "\(error)"])
            throw JobError.notQueued(reason: "\(error)")
        }
        jobs[id] = job
        follow(job)
        logger.info(
            "job accepted",
            metadata: [
                "job.id": "\(id)", "job.start": "\(replay.start)", "job.end": "\(replay.end)",
                "job.sessions": "\(sessions.count)",
            ]
        )
        return job
    }

    /// Adds an index definition (``DefinitionWorkflow``): its job is kept and driven by the index-builder.
    package func submitDefinition(_ definition: IndexDefinition) async throws -> DefinitionWorkflow.Outcome {
        let sessions = try await reader.sessions(index: definition.id, range: .coverage)
        let store = self.store
        let reader = self.reader
        let outcome = try await DefinitionWorkflow.add(
            definition, sessions: sessions, define: { try await reader.define($0, jobID: $1) },
            saveJob: { try await store.save($0) }, now: now
        )
        if case .created(let stored, let job) = outcome {
            logger.info(
                "definition added",
                metadata: [
                    "index": "\(stored.definition.id)", "job.id": "\(job.id)", "job.sessions": "\(job.sessionsTotal)",
                ]
            )
        }
        return outcome
    }

    /// The job's latest state; an unfinished job known only from the store is followed again. A definition job's
    /// state is the store's: the index-builder publishes it.
    package func job(_ id: String) async throws -> JobRecord? {
        if let job = jobs[id], job.status.isFinal { return job }
        if let job = jobs[id], !job.isDefinitionBuild { return await endedElsewhere(id) ?? job }
        guard let job = try await store.load(id) else { return nil }
        if job.isDefinitionBuild {
            if job.status.isFinal { jobs[id] = job }
            return job
        }
        jobs[id] = job
        if !job.status.isFinal { follow(job) }
        return job
    }

    /// Jobs newest first (by creation, then id), `limit` of them after `cursor` (the last id of the previous page);
    /// nil when `cursor` names no job kept.
    package func list(limit: Int, after cursor: String?) async throws -> JobPage? {
        var all: [String: JobRecord] = [:]
        for job in try await store.list() { all[job.id] = job }
        // This process's own states of build jobs may be newer than the store's last save.
        for (id, job) in jobs where !job.isDefinitionBuild { all[id] = job }
        let ordered = all.values.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
        var start = 0
        if let cursor {
            guard let position = ordered.firstIndex(where: { $0.id == cursor }) else { return nil }
            start = position + 1
        }
        let page = Array(ordered[start..<min(ordered.count, start + limit)])
        let more = start + page.count < ordered.count
        return JobPage(jobs: page, nextCursor: more ? page.last?.id : nil)
    }

    /// Cancels a queued or running build job: it is saved `cancelled` and no longer followed, and the fetcher
    /// fetches no further session of it (it reads the job's state between sessions); sessions already published
    /// are computed and stored. Nil when no such job is known.
    package func cancel(_ id: String) async throws -> JobRecord? {
        guard var job = try await self.job(id) else { return nil }
        if let stored = try await store.load(id), stored.status.isFinal { job = stored }
        guard !job.status.isFinal else { throw JobError.finished(job) }
        guard !job.isDefinitionBuild else { throw JobError.notCancellable(job) }
        job.status = .cancelled
        job.updatedAt = now()
        jobs[id] = job
        trackers.removeValue(forKey: id)?.cancel()
        try await store.save(job)
        finished.increment()
        logger.info("job cancelled", metadata: ["job.id": "\(id)", "job.sessions_done": "\(job.sessionsDone)"])
        return job
    }

    /// Stops following every job (their states stay saved; a restarted API follows them again).
    package func stop() {
        for tracker in trackers.values { tracker.cancel() }
        trackers.removeAll()
    }

    // MARK: Following a job

    /// The replay request a job published.
    private static func request(of job: JobRecord) -> ReplayRequest {
        ReplayRequest(
            replayID: job.id, from: job.replayStart, to: job.replayEnd, refetch: job.refetch, index: job.index
        )
    }

    private func follow(_ job: JobRecord) {
        guard trackers[job.id] == nil else { return }
        let follower = follower
        let stallTimeout = settings.stallTimeout
        trackers[job.id] = Task { [weak self] in
            do {
                // A queued job may wait behind others in the fetcher's queue: only a taken job can stall.
                try await follower.followReplay(
                    Self.request(of: job), since: job.createdAt, stallTimeout: stallTimeout, stallWhileQueued: false
                ) { [weak self] progress in
                    await self?.progressed(job.id, progress)
                }
                await self?.finish(job.id, .succeeded, error: nil)
            } catch is CancellationError {
                return
            } catch {
                await self?.finish(job.id, .failed, error: "\(error)")
            }
        }
    }

    /// The job's saved state when another API process has ended it (cancelled it): adopted here, and no longer
    /// followed. Nil when the store has it unfinished (or cannot be read: this process's state stands).
    private func endedElsewhere(_ id: String) async -> JobRecord? {
        guard let stored = try? await store.load(id), stored.status.isFinal else { return nil }
        jobs[id] = stored
        trackers.removeValue(forKey: id)?.cancel()
        return stored
    }

    private func progressed(_ id: String, _ progress: FollowProgress) async {
        guard var job = jobs[id], !job.status.isFinal else { return }
        let status: JobRecord.Status = (progress.done > 0 || !progress.replayPending) ? .running : .queued
        guard status != job.status || progress.done != job.sessionsDone else { return }
        if await endedElsewhere(id) != nil { return }
        job.status = status
        job.sessionsDone = progress.done
        job.updatedAt = now()
        jobs[id] = job
        await save(job)
    }

    private func finish(_ id: String, _ status: JobRecord.Status, error: String?) async {
        guard var job = jobs[id], !job.status.isFinal else { return }
        // Another API process may have cancelled it: its saved end stands.
        if await endedElsewhere(id) != nil { return }
        job.status = status
        job.error = error
        if status == .succeeded { job.sessionsDone = job.sessionsTotal }
        job.updatedAt = now()
        jobs[id] = job
        trackers[id] = nil
        finished.increment()
        logger.info(
            "job finished",
            metadata: ["job.id": "\(id)", "job.status": "\(status.rawValue)", "job.error": "\(error ?? "")"]
        )
        await save(job)
    }

    private func save(_ job: JobRecord) async {
        do {
            try await store.save(job)
        } catch {
            // The in-memory state stays right; the next change saves again.
            logger.warning("job state not saved", metadata: ["job.id": "\(job.id)", "error": "\(error)"])
        }
    }
}
