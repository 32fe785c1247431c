extension CircuitBreaker {
    /// Thresholds and timings of a breaker, named and defaulted as in resilience4j (count-based window).
    package struct Configuration: Sendable {
        /// The failure percentage (0 < x <= 100) at or above which the breaker opens.
        package var failureRateThreshold: Double
        /// How many of the most recent calls the closed state measures.
        package var slidingWindowSize: Int
        /// Calls the window must hold before a failure rate is computed; capped at `slidingWindowSize`.
        package var minimumNumberOfCalls: Int
        /// How long the breaker stays open before letting trial calls through.
        package var waitDurationInOpenState: Duration
        /// How many trial calls the half-open state lets through, and judges, before deciding.
        package var permittedNumberOfCallsInHalfOpenState: Int
        /// Whether an error counts as a failure; errors it rejects count as successes (e.g. a 404 or a
        /// validation error says nothing about the vendor's health).
        package var recordError: @Sendable (any Error) -> Bool
        /// Whether an error counts as neither success nor failure; checked before `recordError`. The default
        /// ignores cancellation, which reflects the caller's shutdown rather than the dependency.
        package var isIgnored: @Sendable (any Error) -> Bool

        /// Creates a configuration; counts must be at least 1 and the threshold in 0 < x <= 100.
        package init(
            failureRateThreshold: Double = 50,
            slidingWindowSize: Int = 100,
            minimumNumberOfCalls: Int = 100,
            waitDurationInOpenState: Duration = .seconds(60),
            permittedNumberOfCallsInHalfOpenState: Int = 10,
            recordError: @escaping @Sendable (any Error) -> Bool = { _ in true },
            isIgnored: @escaping @Sendable (any Error) -> Bool = { $0 is CancellationError }
        ) {
            precondition(failureRateThreshold > 0 && failureRateThreshold <= 100, "threshold must be in (0, 100]")
            precondition(slidingWindowSize >= 1, "slidingWindowSize must be at least 1")
            precondition(minimumNumberOfCalls >= 1, "minimumNumberOfCalls must be at least 1")
            precondition(permittedNumberOfCallsInHalfOpenState >= 1, "half-open calls must be at least 1")
            precondition(waitDurationInOpenState >= .zero, "waitDurationInOpenState must not be negative")
            self.failureRateThreshold = failureRateThreshold
            self.slidingWindowSize = slidingWindowSize
            self.minimumNumberOfCalls = minimumNumberOfCalls
            self.waitDurationInOpenState = waitDurationInOpenState
            self.permittedNumberOfCallsInHalfOpenState = permittedNumberOfCallsInHalfOpenState
            self.recordError = recordError
            self.isIgnored = isIgnored
        }
    }
}
