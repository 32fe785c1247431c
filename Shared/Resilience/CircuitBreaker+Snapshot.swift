extension CircuitBreaker {
    /// A consistent view of a breaker's state and window, for operator status commands.
    package struct Snapshot: Sendable, Equatable {
        /// The state; an open breaker whose wait has elapsed still reads open until the next call.
        package var state: State
        /// The failure percentage of the current window, or `nil` below the minimum number of calls.
        package var failureRate: Double?
        /// Outcomes held in the current window.
        package var bufferedCalls: Int
        /// Failures among them.
        package var failedCalls: Int
        /// Calls rejected since the window was last reset.
        package var notPermittedCalls: Int
    }
}
