import Contracts
import Foundation
import Pipeline
import Synchronization
import TestSupport
import Testing
import TradingCalendar

/// The one follower of runs (indexctl's back-fills and ingests, the API's build jobs), over fakes.
@Suite("Following a replay until it is stored, or fails")
struct ReplayFollowerTests {
    static let days = ["2024-01-02", "2024-01-03", "2024-01-04"].map { SessionDate($0)! }

    /// Storage whose records the test sets.
    final class Records: Sendable {
        let records = Mutex<[SessionRecord]>([])

        func complete(_ date: SessionDate, batch: String = "b") {
            records.withLock {
                $0.removeAll { $0.date == date }
                $0.append(
                    SessionRecord(
                        date: date, batchID: batch, source: "sim", receivedRows: 1, validRows: 1, rejectedRows: 0,
                        indexBatchID: batch
                    ))
            }
        }

        func storage() -> FakeStorage {
            let storage = FakeStorage()
            storage.on(SessionsQuery.self) { query in
                SessionsReply(
                    sessions: self.records.withLock { $0 }.filter { query.range.contains($0.date) }.sorted {
                        $0.date < $1.date
                    })
            }
            return storage
        }
    }

    struct Fixture {
        let records = Records()
        let storage: FakeStorage
        let probe = FakeProbe()
        let letters = DeadLetterFeed()
        let follower: ReplayFollower
        let request = ReplayRequest(replayID: "r-1", from: days[0], to: days[2])
        let progress = Locked<[FollowProgress]>([])

        init() {
            storage = records.storage()
            follower = ReplayFollower(
                storage: storage, probe: probe, deadLetters: letters, pollInterval: .milliseconds(2)
            )
        }

        func follow(stallTimeout: Duration = .seconds(30), stallWhileQueued: Bool = true) -> Task<Void, any Error> {
            let (follower, request, progress) = (follower, request, progress)
            return Task {
                try await follower.followReplay(
                    request, since: Date(timeIntervalSinceNow: -1), stallTimeout: stallTimeout,
                    stallWhileQueued: stallWhileQueued
                ) { now in progress.update { $0.append(now) } }
            }
        }
    }

    @Test("done only when every session is complete, the fetcher has finished and the stages have drained")
    func completes() async throws {
        let fixture = Fixture()
        fixture.probe.setPending("r-1", true)
        fixture.probe.setDrained(false)
        let finished = Locked(false)
        let run = fixture.follow()
        let watcher = Task {
            try await run.value
            finished.set(true)
        }
        for day in Self.days { fixture.records.complete(day) }
        #expect(await eventually { fixture.progress.value.last?.done == 3 })
        // Every session is stored, but the fetcher still holds the request and the stages are busy: not done.
        try await Task.sleep(for: .milliseconds(30))
        #expect(fixture.progress.value.last == FollowProgress(total: 3, done: 3, replayPending: true))
        #expect(finished.value == false)
        fixture.probe.setPending("r-1", false)
        try await Task.sleep(for: .milliseconds(30))
        #expect(finished.value == false)
        fixture.probe.setDrained(true)
        try await watcher.value
        #expect(finished.value)
        #expect(fixture.progress.value.map(\.done) == fixture.progress.value.map(\.done).sorted())
    }

    @Test("a session stored from another batch than the run published does not count")
    func expectedBatch() async throws {
        let fixture = Fixture()
        let target = FollowTarget(
            index: "ew100", sessions: [Self.days[0]: "mine"], replayID: nil, since: Date(), stallWhileQueued: true
        )
        fixture.records.complete(Self.days[0], batch: "older")
        let finished = Locked(false)
        let run = Task {
            try await fixture.follower.follow(target, stallTimeout: .seconds(30)) { _ in }
            finished.set(true)
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(finished.value == false)
        fixture.records.complete(Self.days[0], batch: "mine")
        try await run.value
        #expect(finished.value)
    }

    @Test("a dead letter of one of the run's sessions, or of its request, fails it; older letters do not")
    func deadLetters() async throws {
        let fixture = Fixture()
        fixture.letters.record(
            DeadLetter(
                subject: "prices.raw.2024-01-03", reason: "earlier run", receivedAt: Date(timeIntervalSinceNow: -60)))
        fixture.letters.record(
            DeadLetter(subject: "prices.raw.2024-02-01", reason: "another range", receivedAt: Date()))
        let run = fixture.follow()
        // The run is under way (it reported) and not failed by the older letters.
        #expect(await eventually { !fixture.progress.value.isEmpty })
        fixture.letters.record(
            DeadLetter(subject: "prices.valid.2024-01-03", reason: "malformed validated-batch", receivedAt: Date()))
        await #expect(throws: FollowFailure.self) { try await run.value }
        do {
            try await run.value
        } catch let FollowFailure.deadLettered(letter) {
            #expect(letter.subject == "prices.valid.2024-01-03")
            #expect(letter.reason == "malformed validated-batch")
        }

        let second = Fixture()
        let request = second.follow()
        second.letters.record(DeadLetter(subject: "replay.requested.r-1", reason: "HTTP 401", receivedAt: Date()))
        await #expect(throws: FollowFailure.self) { try await request.value }
    }

    @Test("no progress for the stall timeout fails the run, naming what it waits for")
    func stalls() async throws {
        let fixture = Fixture()
        fixture.records.complete(Self.days[0])
        let run = fixture.follow(stallTimeout: .milliseconds(100))
        do {
            try await run.value
            Issue.record("a stalled run succeeded")
        } catch let FollowFailure.stalled(_, done, total, waiting) {
            #expect(done == 1)
            #expect(total == 3)
            #expect(waiting == Array(Self.days[1...]))
        }
    }

    @Test("a queued build job waits its turn without stalling; storage being down does count")
    func queuedDoesNotStall() async throws {
        let fixture = Fixture()
        fixture.probe.setPending("r-1", true)
        let run = fixture.follow(stallTimeout: .milliseconds(60), stallWhileQueued: false)
        let ended = Locked(false)
        let watcher = Task {
            _ = try? await run.value
            ended.set(true)
        }
        let queued = FollowProgress(total: 3, done: 0, replayPending: true)
        #expect(await eventually { fixture.progress.value.last == queued })
        // Several stall timeouts later, with polls in between, the run still waits.
        let asked = fixture.storage.asked.count
        #expect(await eventually { fixture.storage.asked.count >= asked + 50 })
        try await Task.sleep(for: .milliseconds(200))
        #expect(ended.value == false)
        #expect(fixture.progress.value.last == queued)
        fixture.storage.fail(with: PipelineError.unavailable(dependency: "storage", reason: "no responders"))
        await #expect(throws: FollowFailure.self) { try await run.value }
        await watcher.value
    }

    @Test("storage briefly down is no failure: the run resumes when it answers again")
    func storageRestart() async throws {
        let fixture = Fixture()
        fixture.storage.fail(with: PipelineError.unavailable(dependency: "storage", reason: "restarting"))
        let run = fixture.follow(stallTimeout: .seconds(30))
        // A generous wait: in the full suite the process's other tests (whole stacks of services) can hold its few
        // threads for over a minute; what is checked is that it asks again, not how soon.
        #expect(await eventually(timeout: .seconds(180)) { fixture.storage.asked.count >= 2 })
        for day in Self.days { fixture.records.complete(day) }
        fixture.storage.fail(with: nil)
        try await run.value
        #expect(fixture.progress.value.last?.done == 3)
    }
}
