import TradingCalendar

/// How a build ended.
package enum BuildStatus: Sendable, Equatable {
    /// The arrived session and everything it affects (up to any gap) are computed.
    case built
    /// An NYSE session inside the series has no stored batch yet: nothing is computed until it arrives.
    case waiting(for: SessionDate)
    /// The arrived date is not an NYSE session: the engine ignores it.
    case notASession
}
