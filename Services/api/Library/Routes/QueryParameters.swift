import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import TradingCalendar

/// The rules every date parameter follows, in the query string or a JSON body: strictly `YYYY-MM-DD`, a real
/// date, not in the future, inside the calendar; a range ends on or after its start and spans a bounded number of
/// days.
struct DateRules: Sendable {
    /// Today in New York, the exchange's time zone.
    var today: @Sendable () -> SessionDate
    /// The longest range, in days.
    var maximumRangeDays: Int

    /// Today in New York (worked out at most once a second: time zone arithmetic showed in the request profile).
    static let newYorkToday: @Sendable () -> SessionDate = { NewYorkToday.shared.value() }

    func date(_ name: String, _ text: String?, default fallback: SessionDate? = nil) throws -> SessionDate {
        guard let text else {
            if let fallback { return fallback }
            throw APIError.invalid("\(name) is required (YYYY-MM-DD)")
        }
        guard let date = SessionDate(text) else {
            throw APIError.invalid("\(name) '\(text)' is not a date in the form YYYY-MM-DD")
        }
        guard date <= today() else { throw APIError.invalid("\(name) \(date) is in the future") }
        let coverage = NYSECalendar.coverage
        guard date >= coverage.lowerBound else {
            throw APIError.invalid("\(name) \(date) is before \(coverage.lowerBound), where the calendar starts")
        }
        return date
    }

    func range(start: String?, end: String?, maximumDays: Int? = nil) throws -> DateRange {
        let endDate = try date("end_date", end, default: today())
        let startDate = try date("start_date", start)
        guard startDate <= endDate else {
            throw APIError.invalid("end_date \(endDate) is before start_date \(startDate)")
        }
        let limit = maximumDays ?? maximumRangeDays
        guard Int(endDate.dayNumber - startDate.dayNumber) <= limit else {
            throw APIError(
                .badRequest, code: "range_too_large", message: "the range may span at most \(limit) days"
            )
        }
        return DateRange(start: startDate, end: endDate)
    }
}

/// Today's date in New York, recomputed when the second changes.
private final class NewYorkToday: Sendable {
    static let shared = NewYorkToday()
    private let zone = TimeZone(identifier: "America/New_York") ?? .gmt
    private let cached = Mutex<(second: Int, date: SessionDate)?>(nil)

    func value() -> SessionDate {
        let now = Date()
        let second = Int(now.timeIntervalSince1970)
        if let hit = cached.withLock({ $0 }), hit.second == second { return hit.date }
        let date = SessionDate.today(in: zone, now: now)
        cached.withLock { $0 = (second, date) }
        return date
    }
}

/// The query string, read strictly: a parameter given twice or one this route does not know is an error, so a
/// typo never silently falls back to a default.
struct QueryParameters {
    let values: [String: String]

    init(_ request: Request, allowed: Set<String>) throws {
        var values: [String: String] = [:]
        for (key, value) in request.uri.queryParameters {
            let name = String(key)
            guard allowed.contains(name) else {
                throw APIError.invalid(
                    "unknown parameter '\(name)' (this endpoint takes \(allowed.sorted().joined(separator: ", ")))"
                )
            }
            guard values[name] == nil else { throw APIError.invalid("parameter '\(name)' is given more than once") }
            values[name] = String(value)
        }
        self.values = values
    }

    subscript(_ name: String) -> String? { values[name] }
}
