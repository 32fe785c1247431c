import ArgumentParser
import Contracts
import FetcherService
import Foundation
import Logging
import ServiceSupport
import Synchronization
import TestSupport
import Testing
import TradingCalendar

/// The scheduler's times and catch-up, with "now" and the calendar injected: nothing here waits.
@Suite("Daily schedule")
struct DailyScheduleTests {
    static let newYork = TimeZone(identifier: "America/New_York")!
    static let schedule = DailySchedule(time: TimeOfDay(hour: 18, minute: 0)!, timeZone: newYork)

    /// An instant given in UTC, `2026-03-09T22:00`.
    static func utc(_ text: String) -> Date {
        let parts = text.split(separator: "T")
        let day = SessionDate(parts[0])!
        let time = parts[1].split(separator: ":").map { Double($0)! }
        let seconds = time[0] * 3600 + time[1] * 60 + (time.count > 2 ? time[2] : 0)
        return Date(timeIntervalSince1970: Double(day.dayNumber) * 86_400 + seconds)
    }

    static func day(_ text: String) -> SessionDate { SessionDate(text)! }

    @Test("18:00 in New York is 23:00 UTC in winter and 22:00 UTC in summer")
    func runTimes() {
        #expect(Self.schedule.runTime(for: Self.day("2026-01-15")) == Self.utc("2026-01-15T23:00"))
        #expect(Self.schedule.runTime(for: Self.day("2026-07-15")) == Self.utc("2026-07-15T22:00"))
        let late = DailySchedule(time: TimeOfDay(hour: 23, minute: 59)!, timeZone: Self.newYork)
        // Late in the evening in New York is already the next day in UTC.
        #expect(late.runTime(for: Self.day("2026-01-15")) == Self.utc("2026-01-16T04:59"))
    }

    @Test("on a session day the next run is that evening before the time, the next session's after it")
    func beforeAndAfterTheTime() throws {
        let before = try #require(Self.schedule.nextRun(after: Self.utc("2026-01-15T22:59")))
        #expect(before.session == Self.day("2026-01-15"))
        #expect(before.at == Self.utc("2026-01-15T23:00"))
        // At the run time exactly, that run is no longer "next".
        let at = try #require(Self.schedule.nextRun(after: Self.utc("2026-01-15T23:00")))
        #expect(at.session == Self.day("2026-01-16"))
        #expect(at.at == Self.utc("2026-01-16T23:00"))
        // Just after midnight UTC it is still the 15th in New York: the 16th's run is next.
        let nextUTCDay = try #require(Self.schedule.nextRun(after: Self.utc("2026-01-16T01:00")))
        #expect(nextUTCDay.session == Self.day("2026-01-16"))
    }

    @Test("weekends and holidays have no run")
    func weekendsAndHolidays() throws {
        // Friday evening -> Monday 19 January is Martin Luther King Jr. Day -> Tuesday.
        let afterFriday = try #require(Self.schedule.nextRun(after: Self.utc("2026-01-16T23:30")))
        #expect(afterFriday.session == Self.day("2026-01-20"))
        #expect(afterFriday.at == Self.utc("2026-01-20T23:00"))
        // Thursday before Good Friday (3 April 2026) -> Monday 6 April, in daylight time.
        let afterThursday = try #require(Self.schedule.nextRun(after: Self.utc("2026-04-02T22:30")))
        #expect(afterThursday.session == Self.day("2026-04-06"))
        #expect(afterThursday.at == Self.utc("2026-04-06T22:00"))
        // Saturday noon: the latest due session is Friday's.
        #expect(Self.schedule.latestDueSession(at: Self.utc("2026-01-17T17:00")) == Self.day("2026-01-16"))
        // The day after Thanksgiving closes at 13:00; its run is at the usual time.
        #expect(NYSECalendar.standard.isSession(Self.day("2026-11-27")))
        #expect(Self.schedule.nextRun(after: Self.utc("2026-11-25T23:30"))?.at == Self.utc("2026-11-27T23:00"))
    }

    @Test("across the spring change (Sunday 2026-03-08) the run stays at 18:00 New York: 23:00 then 22:00 UTC")
    func springForward() throws {
        #expect(Self.schedule.runTime(for: Self.day("2026-03-06")) == Self.utc("2026-03-06T23:00"))
        for now in ["2026-03-06T23:30", "2026-03-08T06:59", "2026-03-08T07:30", "2026-03-09T21:59"] {
            let next = try #require(Self.schedule.nextRun(after: Self.utc(now)))
            #expect(next.session == Self.day("2026-03-09"), "from \(now)")
            #expect(next.at == Self.utc("2026-03-09T22:00"), "from \(now)")
        }
        #expect(Self.schedule.latestDueSession(at: Self.utc("2026-03-09T21:59")) == Self.day("2026-03-06"))
        #expect(Self.schedule.latestDueSession(at: Self.utc("2026-03-09T22:00")) == Self.day("2026-03-09"))
        // Before the change 22:00 UTC was 17:00 in New York: too early on Friday.
        #expect(Self.schedule.latestDueSession(at: Self.utc("2026-03-06T22:30")) == Self.day("2026-03-05"))
    }

    @Test("across the autumn change (Sunday 2026-11-01) the run stays at 18:00 New York: 22:00 then 23:00 UTC")
    func fallBack() throws {
        #expect(Self.schedule.runTime(for: Self.day("2026-10-30")) == Self.utc("2026-10-30T22:00"))
        // 05:30 and 06:30 UTC on the 1st are both 01:30 in New York (the hour repeats).
        for now in ["2026-10-30T22:30", "2026-11-01T05:30", "2026-11-01T06:30", "2026-11-02T22:30"] {
            let next = try #require(Self.schedule.nextRun(after: Self.utc(now)))
            #expect(next.session == Self.day("2026-11-02"), "from \(now)")
            #expect(next.at == Self.utc("2026-11-02T23:00"), "from \(now)")
        }
        // 22:30 UTC on Monday is only 17:30 in New York now.
        #expect(Self.schedule.latestDueSession(at: Self.utc("2026-11-02T22:30")) == Self.day("2026-10-30"))
    }

    @Test("catch-up asks for exactly the sessions after the last stored one up to the due one")
    func catchUpPlans() {
        let schedule = Self.schedule
        // Tuesday 20 January after the run; stored through Wednesday the 14th: 15, 16 and 20 (19 is a holiday).
        let now = Self.utc("2026-01-20T23:30")
        #expect(
            schedule.plan(lastStored: Self.day("2026-01-14"), at: now, limit: 20)
                == .fetch([Self.day("2026-01-15"), Self.day("2026-01-16"), Self.day("2026-01-20")])
        )
        // Before Tuesday's run only 15 and 16 are due.
        #expect(
            schedule.plan(lastStored: Self.day("2026-01-14"), at: Self.utc("2026-01-20T22:00"), limit: 20)
                == .fetch([Self.day("2026-01-15"), Self.day("2026-01-16")])
        )
        #expect(
            schedule.plan(lastStored: Self.day("2026-01-14"), at: now, limit: 2)
                == .tooFarBehind(lastStored: Self.day("2026-01-14"), due: Self.day("2026-01-20"), missing: 3)
        )
        #expect(
            schedule.plan(lastStored: Self.day("2026-01-20"), at: now, limit: 20)
                == .upToDate(lastStored: Self.day("2026-01-20")))
        #expect(schedule.plan(lastStored: nil, at: now, limit: 20) == .nothingStored(due: Self.day("2026-01-20")))
        // Stored through the Friday before: the weekend and the holiday are not missing.
        #expect(
            schedule.plan(lastStored: Self.day("2026-01-16"), at: now, limit: 1) == .fetch([Self.day("2026-01-20")]))
    }

    @Test("the scheduler catches up at start, then requests each session at its run time")
    func schedulerLoop() async throws {
        let ledger = FakeLedger(last: Self.day("2026-03-04"))
        let sink = storingPublisher(ledger)
        // Friday 6 March, noon in New York: Thursday the 5th is due, Friday's run comes at 23:00 UTC.
        let clock = FakeWallClock(now: Self.utc("2026-03-06T17:00"), sleepsBeforeCancel: 3)
        let scheduler = DailyScheduler(
            schedule: Self.schedule, limit: 20, ledger: ledger, publisher: sink, clock: clock,
            logger: Logger.test("schedule")
        )
        await #expect(throws: CancellationError.self) { try await scheduler.run() }
        #expect(
            sink.published(ReplayRequest.self).map { "\($0.from)...\($0.to)" } == [
                "2026-03-05...2026-03-05", "2026-03-06...2026-03-06", "2026-03-09...2026-03-09",
                "2026-03-10...2026-03-10",
            ])
        #expect(
            sink.published(ReplayRequest.self).allSatisfy {
                !$0.refetch && $0.provider == nil && $0.replayID == "scheduled-\($0.from)-\($0.to)"
            })
        // Friday 18:00 EST, then Monday 18:00 EDT (the clock changed on Sunday), then Tuesday.
        #expect(
            clock.sleeps == [Self.utc("2026-03-06T23:00"), Self.utc("2026-03-09T22:00"), Self.utc("2026-03-10T22:00")])
    }

    @Test("a run that cannot reach storage is retried after a delay, not dropped")
    func retriesAFailedRun() async throws {
        let ledger = FakeLedger(last: Self.day("2026-03-04"), failures: 2)
        let sink = storingPublisher(ledger)
        let clock = FakeWallClock(now: Self.utc("2026-03-06T17:00"), sleepsBeforeCancel: 3)
        let scheduler = DailyScheduler(
            schedule: Self.schedule, limit: 20, ledger: ledger, publisher: sink, clock: clock,
            logger: Logger.test("schedule"),
            retryDelays: [.seconds(5), .seconds(60)]
        )
        await #expect(throws: CancellationError.self) { try await scheduler.run() }
        #expect(clock.sleeps.prefix(2) == [Self.utc("2026-03-06T17:00:05"), Self.utc("2026-03-06T17:01:05")])
        #expect(sink.published(ReplayRequest.self).first.map { "\($0.from)...\($0.to)" } == "2026-03-05...2026-03-05")
    }

    @Test("SCHEDULE_* variables are read and checked")
    func configuration() throws {
        let defaults = try ServiceConfiguration(environment: [:])
        #expect(defaults.scheduleEnabled)
        #expect(defaults.scheduleTime == TimeOfDay(hour: 18, minute: 0))
        #expect(defaults.scheduleCatchUpLimit == 20)
        let set = try ServiceConfiguration(environment: [
            "SCHEDULE_ENABLED": "off", "SCHEDULE_TIME": "19:30", "SCHEDULE_CATCHUP_LIMIT": "5",
        ])
        #expect(!set.scheduleEnabled)
        #expect(set.scheduleTime == TimeOfDay(hour: 19, minute: 30))
        #expect(set.scheduleCatchUpLimit == 5)
        for bad in ["12:00", "18:60", "6pm", "24:00", "18:0"] {
            #expect(throws: ConfigurationError.self, "\(bad)") {
                try ServiceConfiguration(environment: ["SCHEDULE_TIME": bad])
            }
        }
        #expect(throws: ConfigurationError.self) {
            try ServiceConfiguration(environment: ["SCHEDULE_ENABLED": "maybe"])
        }
        let options = try CommonOptions.parse(["--schedule-time", "20:15", "--schedule-enabled", "false"])
        let flagged = try options.configuration(service: "fetcher", environment: ["SCHEDULE_TIME": "19:00"])
        #expect(flagged.scheduleTime == TimeOfDay(hour: 20, minute: 15))
        #expect(!flagged.scheduleEnabled)
    }
}

/// Storage as the scheduler sees it: the last stored session, moved on by the fake sink as requests "complete".
final class FakeLedger: StoredSessionLedger {
    private let state: Mutex<(last: SessionDate?, failures: Int)>

    init(last: SessionDate?, failures: Int = 0) {
        state = Mutex((last, failures))
    }

    func lastStoredSession(onOrBefore date: SessionDate) async throws -> SessionDate? {
        try state.withLock { state in
            if state.failures > 0 {
                state.failures -= 1
                throw FakeFailure()
            }
            return state.last.map { min($0, date) }
        }
    }

    func stored(through date: SessionDate) {
        state.withLock { $0.last = max($0.last ?? date, date) }
    }
}

struct FakeFailure: Error {}

/// A publisher that records requests and marks their sessions stored, as the pipeline would.
func storingPublisher(_ ledger: FakeLedger) -> FakePublisher {
    let publisher = FakePublisher()
    publisher.onPublish { message in
        if let request = message as? ReplayRequest { ledger.stored(through: request.to) }
    }
    return publisher
}

/// A wall clock that jumps to each requested instant, and cancels after a number of sleeps.
final class FakeWallClock: WallClock {
    private let state: Mutex<(now: Date, sleeps: [Date])>
    private let sleepsBeforeCancel: Int

    init(now: Date, sleepsBeforeCancel: Int) {
        state = Mutex((now, []))
        self.sleepsBeforeCancel = sleepsBeforeCancel
    }

    var sleeps: [Date] { state.withLock { $0.sleeps } }

    func now() -> Date { state.withLock { $0.now } }

    func sleep(until instant: Date) async throws {
        try state.withLock { state in
            guard state.sleeps.count < sleepsBeforeCancel else { throw CancellationError() }
            state.sleeps.append(instant)
            state.now = max(state.now, instant)
        }
    }
}
