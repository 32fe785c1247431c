import Contracts
import FetcherService
import Foundation
import Pipeline
import Providers
import Resilience
import Synchronization
import TestSupport
import Testing
import TradingCalendar

/// A provider whose answers the test scripts: each call is recorded; a date may fail once with a given error.
final class ScriptedProvider: PriceProvider {
    let name = "scripted"
    private let state = Mutex<(calls: [SessionDate], failures: [SessionDate: any Error])>(([], [:]))

    /// The dates asked, in order.
    var calls: [SessionDate] { state.withLock { $0.calls } }

    /// The next call for `date` throws `error`.
    func failOnce(_ date: SessionDate, with error: any Error) {
        state.withLock { $0.failures[date] = error }
    }

    func session(_ date: SessionDate) async throws -> ProviderSession? {
        let failure = state.withLock { state -> (any Error)? in
            state.calls.append(date)
            return state.failures.removeValue(forKey: date)
        }
        if let failure { throw failure }
        return ProviderSession(date: date, rows: [Days.raw(date, "A", 10), Days.raw(date, "B", 20)], stocks: [])
    }
}

struct VendorDown: Error {}

/// The fetcher's replays against the in-memory pipeline and a scripted provider.
@Suite("Replays over fakes")
struct ReplayerTests {
    /// Storage holding day 1 (batch `stored-1`) and nothing else.
    static func storage() -> FakeStorage {
        let storage = FakeStorage()
        let record = SessionRecord(
            date: Days.day1, batchID: "stored-1", source: "vendor", receivedRows: 1, validRows: 1, rejectedRows: 0,
            indexBatchID: "stored-1"
        )
        storage.on(SessionsQuery.self) { query in
            SessionsReply(sessions: query.range.contains(Days.day1) ? [record] : [])
        }
        storage.on(StoredBatchQuery.self) { query in
            StoredBatchReply(
                batch: PriceBatch(
                    batchID: "stored-1", date: query.date, source: "vendor", rows: [Days.raw(query.date, "A", 9)]
                ))
        }
        return storage
    }

    static let request = ReplayRequest(replayID: "r-1", from: Days.day1, to: Days.day3)

    @Test("a stored session goes out again from storage under its batch id; the others are fetched")
    func replay() async throws {
        let publisher = FakePublisher()
        let provider = ScriptedProvider()
        let replayer = Replayer(
            defaultProvider: provider, providers: try ProviderFactory(environment: [:]), publisher: publisher,
            storage: Self.storage(), logger: .stage
        )
        try await replayer.replay(Self.request)
        let batches = publisher.published(PriceBatch.self)
        #expect(batches.map(\.date) == [Days.day1, Days.day2, Days.day3])
        #expect(batches[0].batchID == "stored-1" && batches[0].source == "vendor")
        #expect(batches.map(\.replay?.refetched) == [false, true, true])
        #expect(batches.allSatisfy { $0.replay?.replayID == "r-1" })
        #expect(provider.calls == [Days.day2, Days.day3])
    }

    @Test("a permanent provider error dead-letters the request at once")
    func permanentError() async throws {
        let publisher = FakePublisher()
        let provider = ScriptedProvider()
        provider.failOnce(Days.day2, with: PermanentFailure("HTTP 403: key revoked"))
        let replayer = Replayer(
            defaultProvider: provider, providers: try ProviderFactory(environment: [:]), publisher: publisher,
            storage: Self.storage(), logger: .stage
        )
        let outcome = await MessageOutcome.of { try await replayer.replay(Self.request) }
        guard case .permanent(let reason) = outcome else {
            Issue.record("expected a permanent outcome, got \(outcome)")
            return
        }
        #expect(reason.contains("key revoked"))
    }

    @Test("a redelivered request resumes after the sessions already published: one provider call per session")
    func resume() async throws {
        let publisher = FakePublisher()
        let provider = ScriptedProvider()
        provider.failOnce(Days.day3, with: VendorDown())
        let replayer = Replayer(
            defaultProvider: provider, providers: try ProviderFactory(environment: [:]), publisher: publisher,
            storage: Self.storage(), logger: .stage
        )
        let first = await MessageOutcome.of { try await replayer.replay(Self.request) }
        #expect(Outcome(first) == .failed)
        #expect(publisher.published(PriceBatch.self).map(\.date) == [Days.day1, Days.day2])
        try await replayer.replay(Self.request)
        #expect(publisher.published(PriceBatch.self).map(\.date) == [Days.day1, Days.day2, Days.day3])
        #expect(provider.calls == [Days.day2, Days.day3, Days.day3])
    }

    @Test("a reversed range is refused for good, before anything is asked")
    func reversed() async throws {
        let publisher = FakePublisher()
        let storage = Self.storage()
        let replayer = Replayer(
            defaultProvider: ScriptedProvider(), providers: try ProviderFactory(environment: [:]), publisher: publisher,
            storage: storage,
            logger: .stage
        )
        let outcome = await MessageOutcome.of {
            try await replayer.replay(ReplayRequest(replayID: "r-2", from: Days.day3, to: Days.day1))
        }
        #expect(Outcome(outcome) == .permanent)
        #expect(storage.asked.isEmpty)
        #expect(publisher.messages.isEmpty)
    }

    @Test("a cancelled job's replay publishes nothing more: checked before the first session, then once a second")
    func cancelledJob() async throws {
        // Cancelled before the fetcher takes it: nothing is fetched or published, and the request is done.
        let publisher = FakePublisher()
        let provider = ScriptedProvider()
        let asked = Locked<[String]>([])
        let cancelled = Replayer(
            defaultProvider: provider, providers: try ProviderFactory(environment: [:]), publisher: publisher,
            storage: Self.storage(), logger: .stage,
            isCancelled: { id in
                asked.update { $0.append(id) }
                return true
            }
        )
        try await cancelled.replay(Self.request)
        #expect(publisher.published(PriceBatch.self).isEmpty)
        #expect(asked.value == ["r-1"])

        // Cancelled while it runs: the session after the next check (more than a second later) is not published.
        let later = FakePublisher()
        let checks = Locked(0)
        let running = Replayer(
            defaultProvider: SlowProvider(delay: .milliseconds(1100)), providers: try ProviderFactory(environment: [:]),
            publisher: later, storage: Self.storage(), logger: .stage,
            isCancelled: { _ in
                checks.update {
                    $0 += 1
                    return $0 > 1
                }
            }
        )
        try await running.replay(Self.request)
        // Day 1 from storage (first check: not cancelled), day 2 fetched a second later (second check: cancelled).
        #expect(later.published(PriceBatch.self).map(\.date) == [Days.day1])
        #expect(checks.value == 2)
    }
}

/// A provider that takes `delay` per session.
struct SlowProvider: PriceProvider {
    let name = "slow"
    let delay: Duration

    func session(_ date: SessionDate) async throws -> ProviderSession? {
        try await Task.sleep(for: delay)
        return ProviderSession(date: date, rows: [Days.raw(date, "A", 10)], stocks: [])
    }
}
