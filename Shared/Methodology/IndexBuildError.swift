import TradingCalendar

/// Why a build could not run; the caller retries later.
package enum IndexBuildError: Error, Equatable, CustomStringConvertible {
    /// Storage lists a batch for the session but returned no rows for it.
    case rowsUnavailable(SessionDate)

    /// One line, for logs.
    package var description: String {
        switch self {
        case .rowsUnavailable(let date): "storage has a batch for \(date) but returned no rows for it"
        }
    }
}
