/// A circuit breaker's state as a service reports it in its health reply, for `indexctl status`.
package struct BreakerStatus: Codable, Sendable, Equatable {
    /// The breaker's name (`storage`, `provider.fmp`, ...).
    package var name: String
    /// `closed`, `open` or `half_open`.
    package var state: String
    /// The failure percentage of the current window; nil below the minimum number of calls.
    package var failureRate: Double?
    /// Outcomes held in the current window.
    package var bufferedCalls: Int
    /// Failures among them.
    package var failedCalls: Int
    /// Calls rejected since the window was last reset.
    package var notPermittedCalls: Int

    /// A breaker's status.
    package init(
        name: String, state: String, failureRate: Double?, bufferedCalls: Int, failedCalls: Int, notPermittedCalls: Int
    ) {
        self.name = name
        self.state = state
        self.failureRate = failureRate
        self.bufferedCalls = bufferedCalls
        self.failedCalls = failedCalls
        self.notPermittedCalls = notPermittedCalls
    }
}
