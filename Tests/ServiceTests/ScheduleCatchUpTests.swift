import Contracts
import FetcherService
import Foundation
import Logging
import Pipeline
import ServiceSupport
import TestSupport
import Testing
import TradingCalendar

extension ExecutableStackSuites {
    /// The fetcher's start-up catch-up on the real clock, with every service running as an executable.
    @Suite("Schedule catch-up", .serialized)
    struct ScheduleCatchUpTests {
        @Test("a fetcher starting after missed sessions requests exactly those and the pipeline stores them")
        func startUpCatchUpFillsTheGap() async throws {
            let newYork = try #require(TimeZone(identifier: "America/New_York"))
            let schedule = DailySchedule(time: ServiceConfiguration.defaultScheduleTime, timeZone: newYork)
            let calendar = NYSECalendar.standard
            let due = try #require(schedule.latestDueSession(at: Date()))
            // The eight sessions up to the due one: the first five are back-filled, the last three are missed.
            var recent = [due]
            while recent.count < 8, let previous = calendar.previousSession(before: recent[0]) {
                recent.insert(previous, at: 0)
            }
            let stack = try await ExecutableStack(["SCHEDULE_ENABLED": "false"])
            var passed = false
            defer { Task { [passed] in await stack.shutdown(keep: !passed) } }
            try await stack.indexctl(["backfill", "--from", "\(recent[0])", "--to", "\(recent[4])", "--timeout", "60"])
            let range = DateRange(start: recent[0], end: recent[7].adding(days: 7))
            let before = try await stack.ask(SessionsQuery(index: "ew100", range: range)).sessions
            #expect(before.map(\.date) == Array(recent[0...4]))

            // The fetcher restarts with its schedule on (the default): it catches up at once, not at 18:00.
            #expect(await stack.stop("fetcher"))
            try stack.start("fetcher", ["SCHEDULE_ENABLED": "true"])
            var records: [SessionRecord] = []
            let filled = await eventually(timeout: .seconds(60), every: .milliseconds(200)) {
                records = (try? await stack.ask(SessionsQuery(index: "ew100", range: range)).sessions) ?? []
                return records.count >= 8 && records.allSatisfy(\.isComplete)
            }
            #expect(filled, "stored: \(records.map(\.date))")
            // Exactly the missed sessions, nothing after the due one (one more if 18:00 New York passed meanwhile).
            let dueNow = try #require(schedule.latestDueSession(at: Date()))
            let expected = recent + (dueNow > due ? calendar.sessions(from: due.adding(days: 1), to: dueNow) : [])
            #expect(records.map(\.date) == expected)
            #expect(records.allSatisfy { $0.validRows > 0 })
            let log = stack.processes["fetcher"]?.log ?? ""
            #expect(log.contains("scheduled-\(recent[5])-"), "the fetcher log does not show the catch-up request")
            let performance = try await stack.ask(PerformanceQuery(index: "ew100", range: range)).points
            #expect(performance.map(\.date) == expected)

            // The ledger the scheduler asks: the recent window, then storage's status when the window holds nothing.
            let ledger = StorageSessionLedger(storage: stack.environment.pipeline.storage, index: "ew100")
            #expect(try await ledger.lastStoredSession(onOrBefore: recent[6]) == recent[6])
            #expect(try await ledger.lastStoredSession(onOrBefore: recent[7].adding(days: 200)) == expected.last)
            #expect(try await ledger.lastStoredSession(onOrBefore: recent[0].adding(days: -1)) == nil)
            passed = filled
            await stack.shutdown(keep: !passed)
        }
    }
}
