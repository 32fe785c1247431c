import Contracts
import Foundation
import Logging
import Metrics
import Pipeline
import TradingCalendar

/// Fetches each session after the close and, at start-up, every session missed since the last stored one.
///
/// A run does not fetch by itself: it publishes a ``ReplayRequest`` for the missing sessions, which the fetcher's
/// replay consumer then handles like any back-fill. Once JetStream has stored the request, a crash of the fetcher
/// (during the fetch or before it starts) loses nothing: the request is redelivered to the restarted consumer, and
/// the fetch goes through the same redeliveries, chunking and dead-lettering as `indexctl backfill`.
/// The request's id is derived from the range, so a crash loop publishing it again stores it once.
package struct DailyScheduler: Sendable {
    /// When runs happen.
    package let schedule: DailySchedule
    /// The most sessions one run fetches by itself.
    package let limit: Int
    /// The index whose stored sessions count.
    package let index: String
    private let ledger: any StoredSessionLedger
    private let publisher: any PipelinePublishing
    private let clock: any WallClock
    private let logger: Logger
    private let retryDelays: [Duration]
    private let runs = Counter(label: "fetcher_scheduled_runs_total")
    private let requested = Counter(label: "fetcher_scheduled_sessions_requested_total")
    private let nextRunGauge = Gauge(label: "fetcher_schedule_next_run_timestamp_seconds")

    /// A scheduler.
    /// - Parameters:
    ///   - schedule: the run times.
    ///   - limit: the most missing sessions a run requests; beyond it the run only logs what to back-fill.
    ///   - index: the index definition.
    ///   - ledger: storage's answer to "what is the last stored session".
    ///   - publisher: where replay requests go.
    ///   - clock: the wall clock.
    ///   - retryDelays: waits between attempts of a run that could not reach storage or JetStream (the last one
    ///     repeats), until it succeeds or the next run is due.
    package init(
        schedule: DailySchedule, limit: Int, index: String = Indexes.defaultID, ledger: any StoredSessionLedger,
        publisher: any PipelinePublishing, clock: any WallClock, logger: Logger,
        retryDelays: [Duration] = [.seconds(5), .seconds(15), .seconds(60), .seconds(300)]
    ) {
        self.schedule = schedule
        self.limit = limit
        self.index = index
        self.ledger = ledger
        self.publisher = publisher
        self.clock = clock
        self.logger = logger
        self.retryDelays = retryDelays.isEmpty ? [.seconds(60)] : retryDelays
    }

    /// Catches up now, then runs at every scheduled time until cancelled (graceful shutdown cancels it).
    package func run() async throws {
        logger.info(
            "schedule on",
            metadata: [
                "schedule.time": "\(schedule.time)", "schedule.time_zone": "\(schedule.timeZone.identifier)",
                "schedule.catchup_limit": "\(limit)",
            ]
        )
        try await runUntilDone(before: schedule.nextRun(after: clock.now())?.at)
        while let next = schedule.nextRun(after: clock.now()) {
            nextRunGauge.record(next.at.timeIntervalSince1970)
            logger.info(
                "next scheduled run", metadata: ["schedule.session": "\(next.session)", "schedule.at": "\(next.at)"]
            )
            try await clock.sleep(until: next.at)
            try await runUntilDone(before: schedule.nextRun(after: clock.now())?.at)
        }
        logger.warning("the trading calendar ends: no further scheduled run")
    }

    /// One run, retried after failures until it succeeds or `deadline` (the next run, which retries anyway) comes.
    private func runUntilDone(before deadline: Date?) async throws {
        var attempt = 0
        while true {
            do {
                _ = try await runOnce()
                return
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let delay = retryDelays[min(attempt, retryDelays.count - 1)]
                attempt += 1
                let retryAt = clock.now().addingTimeInterval(Double(delay.components.seconds))
                if let deadline, retryAt >= deadline {
                    logger.error("scheduled run failed; the next run retries", metadata: ["error": "\(error)"])
                    return
                }
                logger.warning(
                    "scheduled run failed; retrying",
                    metadata: [
                        "error": "\(error)", "schedule.attempt": "\(attempt)", "schedule.retry_at": "\(retryAt)",
                    ]
                )
                try await clock.sleep(until: retryAt)
            }
        }
    }

    /// Asks storage for the last stored session, plans, and publishes a replay request for what is missing.
    /// Returns the plan (and the request, when one was published).
    @discardableResult
    package func runOnce() async throws -> (plan: CatchUpPlan, request: ReplayRequest?) {
        let now = clock.now()
        runs.increment()
        guard let due = schedule.latestDueSession(at: now) else { return (.nothingDue, nil) }
        let lastStored = try await ledger.lastStoredSession(onOrBefore: due)
        let plan = schedule.plan(lastStored: lastStored, at: now, limit: limit)
        switch plan {
        case .nothingDue:
            return (plan, nil)
        case .nothingStored(let due):
            logger.notice(
                "nothing stored yet: the scheduler waits for a first back-fill",
                metadata: ["schedule.due": "\(due)", "schedule.hint": "indexctl backfill --from <base> --to \(due)"]
            )
            return (plan, nil)
        case .upToDate(let last):
            logger.info("up to date", metadata: ["schedule.last_stored": "\(last)"])
            return (plan, nil)
        case .tooFarBehind(let last, let due, let missing):
            let first = schedule.calendar.nextSession(after: last) ?? due
            logger.error(
                "too many sessions missing to catch up unasked; back-fill them",
                metadata: [
                    "schedule.last_stored": "\(last)", "schedule.missing": "\(missing)",
                    "schedule.catchup_limit": "\(limit)",
                    "schedule.hint": "indexctl backfill --from \(first) --to \(due)",
                ]
            )
            return (plan, nil)
        case .fetch(let sessions):
            guard let first = sessions.first, let last = sessions.last else { return (plan, nil) }
            let request = ReplayRequest(
                replayID: "scheduled-\(first)-\(last)", from: first, to: last, refetch: false, index: index
            )
            try await publisher.requestReplay(request)
            requested.increment(by: sessions.count)
            logger.info(
                "requested missing sessions",
                metadata: [
                    "replay.id": "\(request.replayID)", "replay.from": "\(first)", "replay.to": "\(last)",
                    "replay.sessions": "\(sessions.count)",
                ]
            )
            return (plan, request)
        }
    }
}
