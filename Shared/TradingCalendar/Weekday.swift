/// A day of the week, numbered Sunday = 0 through Saturday = 6 (the C `tm_wday` convention, not ISO 8601).
package enum Weekday: Int, Sendable, Hashable, CaseIterable, Codable {
    /// Sunday, raw value 0.
    case sunday = 0
    /// Monday, raw value 1.
    case monday
    /// Tuesday, raw value 2.
    case tuesday
    /// Wednesday, raw value 3.
    case wednesday
    /// Thursday, raw value 4.
    case thursday
    /// Friday, raw value 5.
    case friday
    /// Saturday, raw value 6.
    case saturday

    /// Whether the day is Saturday or Sunday.
    package var isWeekend: Bool {
        self == .saturday || self == .sunday
    }
}
