import Contracts
import Foundation
import TradingCalendar

/// What a follower asks of the pipeline besides storage: whether the fetcher still holds a replay request, and
/// whether the stages have drained.
package protocol PipelineProbe: Sendable {
    /// Whether the fetcher has not finished the replay request yet (it is acknowledged when every session of it is
    /// published).
    func isReplayPending(_ replayID: String) async throws -> Bool
    /// Whether every stage consumer has nothing pending and nothing unacknowledged.
    func isDrained() async throws -> Bool
    /// Whether one durable consumer has nothing pending and nothing unacknowledged.
    func isIdle(consumer: String) async throws -> Bool
    /// The last sequence `stream` holds (0 when it never held a message): every message published to it before this
    /// is asked has a sequence at most this one.
    func lastSequence(stream: String) async throws -> UInt64
    /// The stream sequence through which one durable consumer has acknowledged every message (its acknowledgement
    /// floor).
    func acknowledgedThrough(consumer: String) async throws -> UInt64
}

/// What a run waits for: sessions computed and stored (with the batches it published, where it knows them), and
/// the replay request it made, if any.
package struct FollowTarget: Sendable, Equatable {
    /// The index whose results count.
    package var index: String
    /// The dates waited for, each with the batch id that must be stored for it (nil: whichever batch).
    package var sessions: [SessionDate: String?]
    /// The replay request the run made.
    package var replayID: String?
    /// When the run started: dead letters from before belong to earlier runs.
    package var since: Date
    /// Whether time spent while the replay request waits for the fetcher counts toward the stall timeout (an
    /// operator's command gives up; a queued build job waits its turn).
    package var stallWhileQueued: Bool

    /// A target.
    package init(
        index: String, sessions: [SessionDate: String?], replayID: String?, since: Date, stallWhileQueued: Bool
    ) {
        self.index = index
        self.sessions = sessions
        self.replayID = replayID
        self.since = since
        self.stallWhileQueued = stallWhileQueued
    }

    /// The target of a replay request: every NYSE session of its range.
    package static func replay(
        _ request: ReplayRequest, since: Date, stallWhileQueued: Bool, calendar: NYSECalendar = .standard
    ) -> FollowTarget {
        let dates = calendar.sessions(from: request.from, to: request.to)
        return FollowTarget(
            index: request.index, sessions: Dictionary(dates.map { ($0, String?.none) }, uniquingKeysWith: { $1 }),
            replayID: request.replayID, since: since, stallWhileQueued: stallWhileQueued
        )
    }
}

/// How far a run has got.
package struct FollowProgress: Sendable, Equatable {
    /// Sessions waited for.
    package var total: Int
    /// Of those, computed and stored.
    package var done: Int
    /// Whether the replay request still waits for (or is being worked on by) the fetcher.
    package var replayPending: Bool

    /// Progress.
    package init(total: Int, done: Int, replayPending: Bool) {
        self.total = total
        self.done = done
        self.replayPending = replayPending
    }
}

/// Why a followed run failed.
package enum FollowFailure: Error, CustomStringConvertible, Equatable {
    /// A message of the run was dead-lettered.
    case deadLettered(DeadLetter)
    /// Nothing moved for the stall timeout.
    case stalled(seconds: Int64, done: Int, total: Int, waiting: [SessionDate])

    /// One line.
    package var description: String {
        switch self {
        case .deadLettered(let letter): "dead-lettered: \(letter.subject): \(letter.reason)"
        case .stalled(let seconds, let done, let total, let waiting):
            "no progress for \(seconds) s (\(done) of \(total) sessions); waiting for "
                + waiting.prefix(5).map(\.description).joined(separator: ", ") + (waiting.count > 5 ? ", ..." : "")
        }
    }
}

/// Following a run until every session it waits for is computed and stored, the fetcher has finished its replay
/// request and the stages have drained; failing on a dead letter of the run or a stall.
package protocol ReplayFollowing: Sendable {
    /// Returns when the run is complete; throws ``FollowFailure`` (or `CancellationError`).
    /// - Parameter progress: called whenever the count of done sessions or the queue state changes.
    func follow(
        _ target: FollowTarget, stallTimeout: Duration, progress: @escaping @Sendable (FollowProgress) async -> Void
    ) async throws
}

/// The one implementation of following, over storage, the pipeline probe and the dead letters seen.
package struct ReplayFollower: ReplayFollowing {
    private let storage: any StorageAsking
    private let probe: any PipelineProbe
    private let deadLetters: any DeadLetterWatching
    private let pollInterval: Duration
    private let calendar: NYSECalendar

    /// A follower polling every `pollInterval`.
    package init(
        storage: any StorageAsking, probe: any PipelineProbe, deadLetters: any DeadLetterWatching,
        pollInterval: Duration = .milliseconds(200), calendar: NYSECalendar = .standard
    ) {
        self.storage = storage
        self.probe = probe
        self.deadLetters = deadLetters
        self.pollInterval = pollInterval
        self.calendar = calendar
    }

    package func follow(
        _ target: FollowTarget, stallTimeout: Duration, progress: @escaping @Sendable (FollowProgress) async -> Void
    ) async throws {
        guard let first = target.sessions.keys.min(), let last = target.sessions.keys.max() else { return }
        let range = DateRange(start: first, end: last)
        let dates = Set(target.sessions.keys)
        var reported: FollowProgress?
        var best = -1
        var lastProgress = ContinuousClock.now
        var quietChecks = 0
        while true {
            try Task.checkCancellation()
            if let letter = deadLetters.letters(since: target.since).first(where: {
                $0.concerns(replayID: target.replayID, dates: dates)
            }) {
                throw FollowFailure.deadLettered(letter)
            }
            var waiting: [SessionDate] = []
            var pending = false
            var reachable = true
            do {
                let records = try await storage.ask(SessionsQuery(index: target.index, range: range)).sessions
                let stored = Dictionary(records.map { ($0.date, $0) }, uniquingKeysWith: { $1 })
                for (date, batch) in target.sessions {
                    guard let record = stored[date], batch == nil || record.batchID == batch,
                        !calendar.isSession(date) || record.isComplete
                    else {
                        waiting.append(date)
                        continue
                    }
                }
                if let replayID = target.replayID { pending = try await probe.isReplayPending(replayID) }
            } catch let error as PipelineError where error.isTransient {
                // A service or the broker restarting is no failure: it only counts against the stall timeout.
                reachable = false
            }
            if reachable {
                let now = FollowProgress(
                    total: target.sessions.count, done: target.sessions.count - waiting.count, replayPending: pending
                )
                if now != reported {
                    reported = now
                    await progress(now)
                }
                if now.done > best || (pending && !target.stallWhileQueued) {
                    best = max(best, now.done)
                    lastProgress = ContinuousClock.now
                }
                if waiting.isEmpty && !pending {
                    // Done once the stages have drained, seen twice in a row.
                    quietChecks = (try? await probe.isDrained()) == true ? quietChecks + 1 : 0
                    if quietChecks >= 2 { return }
                }
            }
            if ContinuousClock.now - lastProgress > stallTimeout {
                throw FollowFailure.stalled(
                    seconds: stallTimeout.components.seconds, done: max(best, 0), total: target.sessions.count,
                    waiting: waiting.sorted()
                )
            }
            try await Task.sleep(for: pollInterval)
        }
    }
}

extension ReplayFollowing {
    /// Follows a replay request the caller has published.
    package func followReplay(
        _ request: ReplayRequest, since: Date, stallTimeout: Duration, stallWhileQueued: Bool,
        progress: @escaping @Sendable (FollowProgress) async -> Void
    ) async throws {
        try await follow(
            .replay(request, since: since, stallWhileQueued: stallWhileQueued), stallTimeout: stallTimeout,
            progress: progress
        )
    }
}
