import Logging
import Metrics
import MetricsTestKit
import Resilience
import ResilienceTesting
import Testing

/// Retry around a breaker: rejections wait for the breaker's retry-after, within the retry budget.
@Suite
struct ResilientTests {
    let clock = ManualClock()
    let metrics = TestMetrics()
    let logs = LogCapture()

    /// A breaker that trips on 2 failures out of 2 and stays open 5 s, wrapped in a jitter-free retry policy.
    func makeResilient(maxAttempts: Int = 5, maxElapsed: Duration? = nil) -> Resilient {
        let breaker = CircuitBreaker(
            name: "vendor",
            configuration: .init(
                failureRateThreshold: 50, slidingWindowSize: 2, minimumNumberOfCalls: 2,
                waitDurationInOpenState: .seconds(5), permittedNumberOfCallsInHalfOpenState: 1
            ),
            clock: clock, logger: logs.logger, factory: metrics
        )
        let policy = RetryPolicy(
            maxAttempts: maxAttempts, initialDelay: .milliseconds(100), maxElapsed: maxElapsed,
            random: Jitter.upper
        )
        return Resilient(policy: policy, breaker: breaker, clock: clock, logger: logs.logger, factory: metrics)
    }

    @Test
    func anOpenBreakerIsRetriedAfterItsRetryAfter() async throws {
        let resilient = makeResilient()
        let calls = CallCounter()

        let value = try await resilient.run {
            let call = calls.next()
            if call < 3 { throw TransientError(attempt: call) }
            return call
        }

        // Two failures open the breaker at 0.1 s; the rejected third attempt at 0.3 s waits the remaining 4.8 s
        // instead of its 0.4 s backoff, and the trial call at 5.1 s succeeds.
        #expect(value == 3)
        #expect(clock.sleeps == [.milliseconds(100), .milliseconds(200), .milliseconds(4_800)])
        #expect(resilient.breaker.state == .closed)
    }

    @Test
    func theRetryBudgetBoundsTheWaitForAnOpenBreaker() async throws {
        let resilient = makeResilient(maxElapsed: .seconds(2))
        let calls = CallCounter()

        let error = await #expect(throws: RetryError.self) {
            try await resilient.run { () -> Int in throw TransientError(attempt: calls.next()) }
        }

        #expect(error?.attempts == 3)
        #expect(error?.lastError as? CircuitBreakerError == .open(name: "vendor", retryAfter: .milliseconds(4_800)))
        #expect(calls.value == 2)
        #expect(clock.sleeps == [.milliseconds(100), .milliseconds(200)])
    }

    @Test
    func breakerRejectionsAreRetriedEvenWhenThePolicyWouldNotRetryThem() async throws {
        let breaker = CircuitBreaker(
            name: "vendor",
            configuration: .init(minimumNumberOfCalls: 1, waitDurationInOpenState: .seconds(1)),
            clock: clock, logger: logs.logger, factory: metrics
        )
        await #expect(throws: TransientError.self) { try await breaker.run { () -> Int in throw TransientError() } }
        #expect(breaker.state == .open)
        let policy = RetryPolicy(maxAttempts: 2, random: Jitter.lower, shouldRetry: { _ in false })
        let resilient = Resilient(policy: policy, breaker: breaker, clock: clock, logger: logs.logger, factory: metrics)

        let value = try await resilient.run { 42 }

        #expect(value == 42)
        #expect(clock.sleeps == [.seconds(1)])
    }
}
