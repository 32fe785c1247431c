/// How a `Retrier` spaces and bounds its attempts: capped exponential backoff with AWS-style full jitter.
package struct RetryPolicy: Sendable {
    /// Returns a value in the given range; injected so tests can pin the jitter.
    package typealias RandomSource = @Sendable (ClosedRange<Double>) -> Double

    /// Total attempts including the first one; at least 1.
    package var maxAttempts: Int
    /// The backoff ceiling after the first failure.
    package var initialDelay: Duration
    /// The factor the backoff ceiling grows by after each further failure.
    package var multiplier: Double
    /// The largest backoff ceiling; a `Retry-After` hint may still ask for longer.
    package var maxDelay: Duration
    /// The total time budget from the first attempt; a retry whose sleep would end past it is not made.
    package var maxElapsed: Duration?
    /// The jitter source; the default is the system generator.
    package var random: RandomSource
    /// Whether a failure is worth another attempt; the default retries everything but cancellation.
    package var shouldRetry: @Sendable (any Error) -> Bool

    /// Creates a policy; `maxAttempts` must be at least 1 and `multiplier` at least 1.
    package init(
        maxAttempts: Int = 3,
        initialDelay: Duration = .milliseconds(100),
        multiplier: Double = 2,
        maxDelay: Duration = .seconds(10),
        maxElapsed: Duration? = nil,
        random: @escaping RandomSource = { Double.random(in: $0) },
        shouldRetry: @escaping @Sendable (any Error) -> Bool = { !($0 is CancellationError) }
    ) {
        precondition(maxAttempts >= 1, "RetryPolicy.maxAttempts must be at least 1")
        precondition(multiplier >= 1, "RetryPolicy.multiplier must be at least 1")
        precondition(initialDelay >= .zero && maxDelay >= .zero, "RetryPolicy delays must not be negative")
        self.maxAttempts = maxAttempts
        self.initialDelay = initialDelay
        self.multiplier = multiplier
        self.maxDelay = maxDelay
        self.maxElapsed = maxElapsed
        self.random = random
        self.shouldRetry = shouldRetry
    }

    /// The upper bound of the jittered sleep after failed attempt number `attempt` (1-based):
    /// `min(maxDelay, initialDelay * multiplier^(attempt-1))`.
    package func backoffCeiling(afterAttempt attempt: Int) -> Duration {
        .nanoseconds(Int64(ceilingNanoseconds(afterAttempt: attempt).rounded()))
    }

    /// The sleep before the attempt following failed attempt `attempt`: full jitter over the backoff ceiling,
    /// raised to the error's `Retry-After` hint when it has one.
    package func delay(afterAttempt attempt: Int, error: any Error) -> Duration {
        let ceiling = ceilingNanoseconds(afterAttempt: attempt)
        // Clamped because the source is injected and a sloppy one must not produce a negative or oversized sleep.
        let jittered = min(max(random(0...ceiling), 0), ceiling)
        let backoff = Duration.nanoseconds(Int64(jittered.rounded()))
        if let hint = (error as? any RetryAfterProviding)?.retryAfter, hint > backoff {
            return hint
        }
        return backoff
    }

    // Computed in Double nanoseconds, which are exact for any delay below ~104 days, so tests can compare
    // durations for equality; the loop stops at the cap to avoid overflowing on large attempt numbers.
    private func ceilingNanoseconds(afterAttempt attempt: Int) -> Double {
        let cap = Self.nanoseconds(maxDelay)
        var ceiling = min(Self.nanoseconds(initialDelay), cap)
        var step = 1
        while step < attempt, ceiling < cap {
            ceiling = min(ceiling * multiplier, cap)
            step += 1
        }
        return ceiling
    }

    private static func nanoseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        // Int64.max nanoseconds is ~292 years; anything longer is effectively unbounded anyway.
        return min(Double(seconds) * 1e9 + Double(attoseconds) / 1e9, Double(Int64.max / 2))
    }
}
