extension CircuitBreaker {
    /// The breaker's position in the resilience4j state machine.
    package enum State: Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// Calls pass and their outcomes are measured.
        case closed
        /// Calls are rejected until the wait duration has elapsed.
        case open
        /// A limited number of trial calls decide whether to close or reopen.
        case halfOpen

        /// The value of the `circuit_breaker_state` gauge: 0 closed, 1 open, 2 half-open.
        package var metricValue: Int64 {
            switch self {
            case .closed: 0
            case .open: 1
            case .halfOpen: 2
            }
        }

        /// The snake-case name used in logs and metric dimensions.
        package var description: String {
            switch self {
            case .closed: "closed"
            case .open: "open"
            case .halfOpen: "half_open"
            }
        }
    }
}
