/// A weekday on which the exchange is closed for the whole session, with a human-readable reason.
package struct Holiday: Sendable, Hashable {
    /// The closed weekday (the observed date when a holiday falls on a weekend).
    package let date: SessionDate
    /// Why the exchange is closed, e.g. "Good Friday" or "Christmas Day (observed)".
    package let name: String

    /// Creates a closure record.
    package init(date: SessionDate, name: String) {
        self.date = date
        self.name = name
    }
}
