import Foundation
import ServiceSupport
import TradingCalendar

/// When the fetcher fetches: on every NYSE session, at one wall-clock time in New York after the close.
///
/// Times are computed from the session's local date and the time zone's offset at that instant, so 18:00 stays
/// 18:00 in New York on both sides of a daylight-saving change (22:00 UTC in summer, 23:00 UTC in winter). Early
/// closes (13:00) run at the same time. Every computation takes "now" as an argument: nothing here reads a clock.
package struct DailySchedule: Sendable {
    /// The NYSE's time zone; nil when the system has no time zone data for it (no fixed offset would be right).
    package static let newYork = TimeZone(identifier: "America/New_York")

    /// The local time of the daily run.
    package let time: TimeOfDay
    /// The zone `time` is read in.
    package let timeZone: TimeZone
    /// Which dates are sessions.
    package let calendar: NYSECalendar

    /// A schedule at `time` in `timeZone` (``newYork`` in production) on the sessions of `calendar`.
    package init(time: TimeOfDay, timeZone: TimeZone, calendar: NYSECalendar = .standard) {
        self.time = time
        self.timeZone = timeZone
        self.calendar = calendar
    }

    /// The instant of the run for `date`: `time` on that local date.
    package func runTime(for date: SessionDate) -> Date {
        let local = Double(date.dayNumber) * 86_400 + Double(time.minutes) * 60
        // The offset at the instant itself: take the offset of a first guess, then the offset at that guess. Runs
        // fall after 16:00, hours away from any transition (02:00), so the second offset is the right one.
        let guess = local - Double(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: local)))
        let offset = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: guess))
        return Date(timeIntervalSince1970: local - Double(offset))
    }

    /// The latest session whose run time is at or before `now`: the session a run at `now` should have fetched.
    package func latestDueSession(at now: Date) -> SessionDate? {
        let today = SessionDate(now, in: timeZone)
        if calendar.isSession(today) && runTime(for: today) <= now { return today }
        return calendar.previousSession(before: today)
    }

    /// The first run strictly after `now`, with the session it fetches; nil past the calendar's coverage.
    package func nextRun(after now: Date) -> (session: SessionDate, at: Date)? {
        let today = SessionDate(now, in: timeZone)
        if calendar.isSession(today), runTime(for: today) > now { return (today, runTime(for: today)) }
        guard let next = calendar.nextSession(after: today) else { return nil }
        return (next, runTime(for: next))
    }

    /// What a run at `now` has to fetch, given the last stored session on or before the due one.
    /// - Parameters:
    ///   - lastStored: the latest session with a stored batch, on or before ``latestDueSession(at:)``; nil if none.
    ///   - now: the run's instant.
    ///   - limit: the most sessions a run fetches by itself.
    package func plan(lastStored: SessionDate?, at now: Date, limit: Int) -> CatchUpPlan {
        guard let due = latestDueSession(at: now) else { return .nothingDue }
        guard let lastStored else { return .nothingStored(due: due) }
        guard lastStored < due else { return .upToDate(lastStored: lastStored) }
        let missing = calendar.sessions(from: lastStored.adding(days: 1), to: due)
        guard !missing.isEmpty else { return .upToDate(lastStored: lastStored) }
        guard missing.count <= limit else {
            return .tooFarBehind(lastStored: lastStored, due: due, missing: missing.count)
        }
        return .fetch(missing)
    }
}

/// What one scheduled run (or the start-up catch-up) does.
package enum CatchUpPlan: Sendable, Equatable {
    /// Before the calendar's first session.
    case nothingDue
    /// Nothing is stored yet: the series' base is the operator's choice (`indexctl backfill`), not the scheduler's.
    case nothingStored(due: SessionDate)
    /// Every session up to the due one is stored.
    case upToDate(lastStored: SessionDate)
    /// These sessions (contiguous, in order) are missing and get fetched.
    case fetch([SessionDate])
    /// More sessions are missing than the limit: an operator back-fills them (the scheduler will not start a
    /// back-fill of years on its own, say after a restore of an old database).
    case tooFarBehind(lastStored: SessionDate, due: SessionDate, missing: Int)
}
