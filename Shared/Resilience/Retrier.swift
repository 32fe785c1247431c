import Logging
import Metrics

/// Runs an operation again after retryable failures, as a `RetryPolicy` says, logging and counting each retry.
///
/// Create one per call site (its metrics are made once, in the initialiser) and share it freely.
package struct Retrier: Sendable {
    /// The name used in logs and in the `name` metric dimension.
    package let name: String
    /// The backoff and classification rules.
    package let policy: RetryPolicy
    private let clock: any ResilienceClock
    private let logger: Logger
    private let retries: Counter
    private let exhausted: Counter

    /// Creates a retrier; `factory` overrides the global metrics backend (tests pass their own).
    package init(
        name: String,
        policy: RetryPolicy,
        clock: any ResilienceClock = SystemResilienceClock(),
        logger: Logger,
        factory: (any MetricsFactory)? = nil
    ) {
        let factory = factory ?? MetricsSystem.factory
        let dimensions = [("name", name)]
        self.name = name
        self.policy = policy
        self.clock = clock
        self.logger = logger
        retries = Counter(label: "resilience_retries_total", dimensions: dimensions, factory: factory)
        exhausted = Counter(label: "resilience_retry_exhausted_total", dimensions: dimensions, factory: factory)
    }

    /// Runs `operation` until it succeeds, fails with a non-retryable error (rethrown as is), or attempts or
    /// budget run out (`RetryError.exhausted`). Cancellation ends it at once with `CancellationError`.
    package func run<T: Sendable>(_ operation: @Sendable () async throws -> T) async throws -> T {
        let start = clock.now()
        var attempt = 0
        while true {
            try Task.checkCancellation()
            attempt += 1
            do {
                return try await operation()
            } catch {
                if error is CancellationError { throw error }
                guard policy.shouldRetry(error) else { throw error }
                // A cancelled task often surfaces as some other error (a closed connection); retrying it is
                // pointless and would delay the caller's shutdown.
                if Task.isCancelled { throw CancellationError() }
                guard attempt < policy.maxAttempts else {
                    throw giveUp(attempts: attempt, lastError: error, reason: "max attempts reached")
                }
                let delay = policy.delay(afterAttempt: attempt, error: error)
                if let budget = policy.maxElapsed, clock.now() - start + delay > budget {
                    throw giveUp(attempts: attempt, lastError: error, reason: "elapsed budget exhausted")
                }
                logger.warning(
                    "Retrying after failure",
                    metadata: [
                        "resilience.name": .string(name),
                        "resilience.attempt": .stringConvertible(attempt),
                        "resilience.delay_ms": .stringConvertible(Int64((delay / .milliseconds(1)).rounded())),
                        "error": .string(String(describing: error)),
                    ]
                )
                retries.increment()
                try await clock.sleep(for: delay)
            }
        }
    }

    private func giveUp(attempts: Int, lastError: any Error, reason: String) -> RetryError {
        logger.warning(
            "Giving up: \(reason)",
            metadata: [
                "resilience.name": .string(name),
                "resilience.attempt": .stringConvertible(attempts),
                "error": .string(String(describing: lastError)),
            ]
        )
        exhausted.increment()
        return .exhausted(attempts: attempts, lastError: lastError)
    }
}
