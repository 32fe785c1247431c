import Contracts
import Foundation
import HTTPTypes
import Logging
import Metrics
import Synchronization
import TradingCalendar

/// Runs build jobs: publishes each job's replay request, then follows the pipeline until every session of the
/// range is computed and stored (succeeded), or a message of it is dead-lettered or it stops progressing (failed).
/// Every state change is saved to the ``JobStore``; a job found there unfinished after a restart is followed again.
package actor JobRunner {
    /// Timings of the follow-up.
    package struct Settings: Sendable {
        /// How often storage and the pipeline are looked at.
        package var pollInterval: Duration
        /// How long a job that the fetcher has taken may go without progress before it fails.
        package var stallTimeout: Duration

        /// Settings.
        package init(pollInterval: Duration = .milliseconds(500), stallTimeout: Duration = .seconds(600)) {
            self.pollInterval = pollInterval
            self.stallTimeout = stallTimeout
        }
    }

    private let reader: any IndexReader
    private let gateway: any PipelineGateway
    private let store: any JobStore
    private let settings: Settings
    private let logger: Logger
    private let calendar = NYSECalendar.standard
    private let now: @Sendable () -> Date
    private var jobs: [String: JobRecord] = [:]
    private var trackers: [String: Task<Void, Never>] = [:]
    private let letters = DeadLetterLog()
    private let finished = Counter(label: "api_jobs_finished_total")

    /// A runner.
    package init(
        reader: any IndexReader, gateway: any PipelineGateway, store: any JobStore, settings: Settings = Settings(),
        logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.reader = reader
        self.gateway = gateway
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
        guard !sessions.isEmpty else {
            throw APIError(
                .unprocessableContent, code: "no_sessions",
                message: "there is no NYSE session from \(range.start) to \(range.end)"
            )
        }
        let id = "job-" + UUID().uuidString.lowercased()
        let created = now()
        let job = JobRecord(
            id: id, index: index, status: .queued, startDate: range.start, endDate: range.end,
            replayStart: replay.start, replayEnd: replay.end, sessionsTotal: sessions.count, sessionsDone: 0,
            refetch: refetch, createdAt: created, updatedAt: created
        )
        try await store.save(job)
        do {
            try await gateway.publish(
                ReplayRequest(replayID: id, from: replay.start, to: replay.end, refetch: refetch, index: index)
            )
        } catch {
            // The caller gets the error; the job is not left queued for a request that was never sent.
            var failed = job
            failed.status = .failed
            failed.error = "the replay request could not be published: \(error)"
            failed.updatedAt = now()
            try? await store.save(failed)
            logger.error("replay request not published", metadata: ["job.id": "\(id)", "error": "\(error)"])
            throw APIError(
                .serviceUnavailable, code: "pipeline_unavailable",
                message: "the build could not be queued (NATS JetStream did not accept it); try again"
            ).with(header: .retryAfter, "1")
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

    /// The job's latest state; an unfinished job known only from the store is followed again.
    package func job(_ id: String) async throws -> JobRecord? {
        if let job = jobs[id] { return job }
        guard let job = try await store.load(id) else { return nil }
        jobs[id] = job
        if !job.status.isFinal { follow(job) }
        return job
    }

    /// Records a dead letter; a job whose replay request or sessions it names fails.
    package nonisolated func deadLettered(subject: String, reason: String) {
        letters.append(subject: subject, reason: reason, at: now())
    }

    /// Stops following every job (their states stay saved; a restarted API follows them again).
    package func stop() {
        for tracker in trackers.values { tracker.cancel() }
        trackers.removeAll()
    }

    // MARK: Following a job

    private func follow(_ job: JobRecord) {
        guard trackers[job.id] == nil else { return }
        let settings = settings
        trackers[job.id] = Task { [weak self] in
            var lastProgress = ContinuousClock.now
            var best = job.sessionsDone
            while !Task.isCancelled {
                try? await Task.sleep(for: settings.pollInterval)
                guard let self, !Task.isCancelled else { return }
                let done = await self.step(job.id, lastProgress: lastProgress)
                switch done {
                case .finished:
                    return
                case .progress(let sessions, let waitingInQueue):
                    // A job still in the fetcher's queue may wait behind others: only a taken job can stall.
                    if sessions > best || waitingInQueue {
                        best = max(best, sessions)
                        lastProgress = ContinuousClock.now
                    }
                }
            }
        }
    }

    private enum StepResult {
        case finished
        case progress(sessions: Int, waitingInQueue: Bool)
    }

    private func step(_ id: String, lastProgress: ContinuousClock.Instant) async -> StepResult {
        guard var job = jobs[id] else { return .finished }
        let range = DateRange(start: job.replayStart, end: job.replayEnd)
        if let letter = letters.first(matching: job) {
            finish(&job, .failed, error: "dead-lettered: \(letter.subject): \(letter.reason)")
            await save(job)
            return .finished
        }
        let records: [SessionDate: SessionRecord]
        let pending: Bool
        do {
            records = Dictionary(
                try await reader.sessions(index: job.index, range: range).map { ($0.date, $0) },
                uniquingKeysWith: { $1 }
            )
            pending = try await gateway.isReplayPending(id)
        } catch {
            // Storage or the broker restarting is no failure; it only counts against the stall timeout.
            return stalled(since: lastProgress)
                ? await finishStalled(job) : .progress(sessions: -1, waitingInQueue: false)
        }
        let sessions = calendar.sessions(from: range.start, to: range.end)
        let done = sessions.count { records[$0]?.isComplete == true }
        var status: JobRecord.Status = (done > 0 || !pending) ? .running : .queued
        if done == sessions.count && !pending, (try? await gateway.isDrained()) == true {
            status = .succeeded
        }
        if status != job.status || done != job.sessionsDone {
            job.sessionsDone = done
            if status.isFinal {
                finish(&job, status, error: nil)
            } else {
                job.status = status
                job.updatedAt = now()
                jobs[id] = job
            }
            await save(job)
        }
        if status.isFinal { return .finished }
        if !pending && stalled(since: lastProgress) { return await finishStalled(job) }
        return .progress(sessions: done, waitingInQueue: pending)
    }

    private func stalled(since lastProgress: ContinuousClock.Instant) -> Bool {
        ContinuousClock.now - lastProgress > settings.stallTimeout
    }

    private func finishStalled(_ job: JobRecord) async -> StepResult {
        var job = job
        let seconds = settings.stallTimeout.components.seconds
        finish(
            &job, .failed, error: "no progress for \(seconds) s (\(job.sessionsDone) of \(job.sessionsTotal) sessions)")
        await save(job)
        return .finished
    }

    private func finish(_ job: inout JobRecord, _ status: JobRecord.Status, error: String?) {
        job.status = status
        job.error = error
        job.updatedAt = now()
        jobs[job.id] = job
        trackers[job.id] = nil
        finished.increment()
        logger.info(
            "job finished",
            metadata: ["job.id": "\(job.id)", "job.status": "\(status.rawValue)", "job.error": "\(error ?? "")"]
        )
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

/// Dead letters seen while jobs run (bounded; the oldest are dropped).
private final class DeadLetterLog: Sendable {
    struct Letter {
        var subject: String
        var reason: String
        var at: Date
    }

    private let letters = Mutex<[Letter]>([])

    func append(subject: String, reason: String, at: Date) {
        letters.withLock {
            $0.append(Letter(subject: subject, reason: reason, at: at))
            if $0.count > 10_000 { $0.removeFirst($0.count - 10_000) }
        }
    }

    /// The first letter naming the job's replay request or a date of its range.
    func first(matching job: JobRecord) -> Letter? {
        let replaySubject = Subjects.replayRequested(job.id)
        return letters.withLock { all in
            all.first { letter in
                // A letter from before the job belongs to an earlier run.
                guard letter.at >= job.createdAt else { return false }
                if letter.subject == replaySubject { return true }
                guard let date = Subjects.sessionDate(of: letter.subject) else { return false }
                return date >= job.replayStart && date <= job.replayEnd
            }
        }
    }
}
