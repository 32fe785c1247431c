import Foundation
import TradingCalendar

/// When a vendor's end-of-day data for a date can be taken as final.
package enum SessionSettlement {
    /// Thirty hours after the date's midnight UTC: past the New York close (21:00 UTC at the latest) plus the hours
    /// vendors take to publish and correct end-of-day data.
    package static let delay: TimeInterval = 30 * 3600

    /// Twenty-one hours after the date's midnight UTC: the New York close is 20:00 UTC in summer and 21:00 in winter.
    package static let closeDelay: TimeInterval = 21 * 3600

    /// Whether the session of `date` has closed at `now`: before that, a vendor's bar for the day is intraday.
    package static func hasClosed(_ date: SessionDate, at now: Date) -> Bool {
        now >= Date(timeIntervalSince1970: TimeInterval(date.dayNumber) * 86_400 + closeDelay)
    }

    /// The wall-clock instant after which data for `date` is settled.
    package static func settledAt(_ date: SessionDate) -> Date {
        Date(timeIntervalSince1970: TimeInterval(date.dayNumber) * 86_400 + delay)
    }

    /// Whether data for `date` fetched at `now` is final: a vendor saying "no data" then means there is none.
    package static func isSettled(_ date: SessionDate, at now: Date) -> Bool {
        now >= settledAt(date)
    }
}
