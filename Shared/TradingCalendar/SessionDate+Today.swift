import Foundation

extension SessionDate {
    /// The calendar date in `timeZone` at instant `now` (the current instant by default).
    package static func today(in timeZone: TimeZone, now: Date = Date()) -> SessionDate {
        SessionDate(now, in: timeZone)
    }

    /// The calendar date that `date` falls on in `timeZone`.
    package init(_ date: Date, in timeZone: TimeZone) {
        // secondsFromGMT(for:) accounts for DST at that instant, so local midnight lands on the right day.
        let localSeconds = date.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: date))
        let days = (localSeconds / 86_400).rounded(.down)
        self.init(dayNumber: Int32(days))
    }
}
