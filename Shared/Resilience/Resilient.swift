import Logging
import Metrics

/// Retries calls made through a circuit breaker: an open breaker's rejection is retried no sooner than its
/// `retryAfter`, and only while the retry budget allows.
package struct Resilient: Sendable {
    /// The retry loop around the breaker.
    package let retrier: Retrier
    /// The breaker each attempt goes through.
    package let breaker: CircuitBreaker

    /// Combines `breaker` with a retrier named after it; breaker rejections are always retryable, other errors
    /// follow `policy.shouldRetry`.
    package init(
        policy: RetryPolicy,
        breaker: CircuitBreaker,
        clock: any ResilienceClock = SystemResilienceClock(),
        logger: Logger,
        factory: (any MetricsFactory)? = nil
    ) {
        var policy = policy
        let shouldRetry = policy.shouldRetry
        policy.shouldRetry = { $0 is CircuitBreakerError || shouldRetry($0) }
        self.breaker = breaker
        retrier = Retrier(name: breaker.name, policy: policy, clock: clock, logger: logger, factory: factory)
    }

    /// Runs `operation` through the breaker, retrying as the policy allows.
    package func run<T: Sendable>(_ operation: @Sendable () async throws -> T) async throws -> T {
        try await retrier.run { try await breaker.run(operation) }
    }
}
