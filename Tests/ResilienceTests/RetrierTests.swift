import Logging
import Metrics
import MetricsTestKit
import Resilience
import ResilienceTesting
import Testing

/// The retry loop: attempt counting, backoff with full jitter, budgets, classification, cancellation, telemetry.
@Suite
struct RetrierTests {
    let clock = ManualClock()
    let metrics = TestMetrics()
    let logs = LogCapture()

    func retrier(_ policy: RetryPolicy, name: String = "vendor") -> Retrier {
        Retrier(name: name, policy: policy, clock: clock, logger: logs.logger, factory: metrics)
    }

    func counter(_ label: String, name: String = "vendor") throws -> Int64 {
        try metrics.expectCounter(label, [("name", name)]).totalValue
    }

    @Test
    func succeedsOnThirdAttemptAfterTwoSleeps() async throws {
        let calls = CallCounter()
        let policy = RetryPolicy(maxAttempts: 5, initialDelay: .milliseconds(100), random: Jitter.upper)

        let value = try await retrier(policy).run {
            let attempt = calls.next()
            if attempt < 3 { throw TransientError(attempt: attempt) }
            return "ok"
        }

        #expect(value == "ok")
        #expect(calls.value == 3)
        #expect(clock.sleeps == [.milliseconds(100), .milliseconds(200)])
        #expect(try counter("resilience_retries_total") == 2)
        #expect(try counter("resilience_retry_exhausted_total") == 0)
    }

    @Test
    func upperBoundJitterSleepsTheCappedExponentialCeiling() async throws {
        let policy = RetryPolicy(
            maxAttempts: 6, initialDelay: .milliseconds(100), multiplier: 2, maxDelay: .milliseconds(500),
            random: Jitter.upper
        )

        await #expect(throws: RetryError.self) {
            try await retrier(policy).run { () -> Int in throw TransientError() }
        }

        #expect(clock.sleeps == [100, 200, 400, 500, 500].map { .milliseconds($0) })
        #expect((1...5).map { policy.backoffCeiling(afterAttempt: $0) } == clock.sleeps)
    }

    @Test
    func lowerBoundJitterDoesNotSleepAtAll() async throws {
        let policy = RetryPolicy(maxAttempts: 4, initialDelay: .milliseconds(100), random: Jitter.lower)

        await #expect(throws: RetryError.self) {
            try await retrier(policy).run { () -> Int in throw TransientError() }
        }

        #expect(clock.sleeps == [.zero, .zero, .zero])
        #expect(clock.now() == .zero)
    }

    @Test(arguments: [1, 42, 0xDEAD_BEEF] as [UInt64])
    func seededJitterStaysWithinEachAttemptsBounds(seed: UInt64) async throws {
        let policy = RetryPolicy(
            maxAttempts: 10, initialDelay: .milliseconds(50), multiplier: 3, maxDelay: .seconds(2),
            random: Jitter.seeded(seed)
        )

        await #expect(throws: RetryError.self) {
            try await retrier(policy).run { () -> Int in throw TransientError() }
        }

        let sleeps = clock.sleeps
        #expect(sleeps.count == 9)
        for (index, sleep) in sleeps.enumerated() {
            #expect(sleep >= .zero)
            #expect(sleep <= policy.backoffCeiling(afterAttempt: index + 1))
            #expect(sleep <= .seconds(2))
        }
        // A constant sleep would mean the random source was not consulted.
        #expect(Set(sleeps).count > 1)
    }

    @Test
    func outOfRangeRandomValuesAreClamped() {
        let high = RetryPolicy(initialDelay: .milliseconds(100), random: { $0.upperBound * 10 })
        let low = RetryPolicy(initialDelay: .milliseconds(100), random: { _ in -1 })

        #expect(high.delay(afterAttempt: 1, error: TransientError()) == .milliseconds(100))
        #expect(low.delay(afterAttempt: 1, error: TransientError()) == .zero)
    }

    @Test
    func stopsAtMaxAttemptsWithTheLastError() async throws {
        let calls = CallCounter()
        let policy = RetryPolicy(maxAttempts: 3, random: Jitter.upper)

        let error = await #expect(throws: RetryError.self) {
            try await retrier(policy).run { () -> Int in throw TransientError(attempt: calls.next()) }
        }

        guard case .exhausted(let attempts, let lastError) = error else { return }
        #expect(attempts == 3)
        #expect(lastError as? TransientError == TransientError(attempt: 3))
        #expect(calls.value == 3)
        #expect(clock.sleeps.count == 2)
        #expect(try counter("resilience_retries_total") == 2)
        #expect(try counter("resilience_retry_exhausted_total") == 1)
    }

    @Test
    func singleAttemptPolicyNeverSleeps() async throws {
        let policy = RetryPolicy(maxAttempts: 1)

        let error = await #expect(throws: RetryError.self) {
            try await retrier(policy).run { () -> Int in throw TransientError(attempt: 1) }
        }

        #expect(error?.attempts == 1)
        #expect(clock.sleeps.isEmpty)
    }

    @Test
    func stopsBeforeASleepThatWouldExceedTheElapsedBudget() async throws {
        let calls = CallCounter()
        let policy = RetryPolicy(
            maxAttempts: 10, initialDelay: .milliseconds(400), maxElapsed: .seconds(1), random: Jitter.upper
        )

        // Each call takes 100 ms: attempt 1 ends at 0.1 s, sleeps 0.4 s; attempt 2 ends at 0.6 s and its 0.8 s
        // sleep would end at 1.4 s, past the 1 s budget.
        let error = await #expect(throws: RetryError.self) {
            try await retrier(policy).run { () -> Int in
                clock.advance(by: .milliseconds(100))
                throw TransientError(attempt: calls.next())
            }
        }

        #expect(error?.attempts == 2)
        #expect(clock.sleeps == [.milliseconds(400)])
        #expect(clock.now() == .milliseconds(600))
        #expect(try counter("resilience_retry_exhausted_total") == 1)
    }

    @Test
    func aSleepEndingExactlyAtTheBudgetIsStillTaken() async throws {
        let policy = RetryPolicy(
            maxAttempts: 3, initialDelay: .milliseconds(500), maxElapsed: .milliseconds(500), random: Jitter.upper
        )

        await #expect(throws: RetryError.self) {
            try await retrier(policy).run { () -> Int in throw TransientError() }
        }

        #expect(clock.sleeps == [.milliseconds(500)])
    }

    @Test
    func nonRetryableErrorIsRethrownAtOnce() async throws {
        let calls = CallCounter()
        let policy = RetryPolicy(maxAttempts: 5, shouldRetry: { !($0 is FatalError) })

        await #expect(throws: FatalError()) {
            try await retrier(policy).run { () -> Int in
                _ = calls.next()
                throw FatalError()
            }
        }

        #expect(calls.value == 1)
        #expect(clock.sleeps.isEmpty)
        #expect(try counter("resilience_retries_total") == 0)
        #expect(try counter("resilience_retry_exhausted_total") == 0)
    }

    @Test
    func retryAfterLongerThanTheBackoffIsHonoured() async throws {
        let calls = CallCounter()
        let policy = RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(100), random: Jitter.upper)

        let value = try await retrier(policy).run {
            if calls.next() == 1 { throw RateLimitedError(retryAfter: .seconds(30)) }
            return 7
        }

        #expect(value == 7)
        #expect(clock.sleeps == [.seconds(30)])
    }

    @Test
    func retryAfterShorterThanTheBackoffDoesNotShortenIt() async throws {
        let calls = CallCounter()
        let policy = RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(100), random: Jitter.upper)

        _ = try await retrier(policy).run {
            if calls.next() == 1 { throw RateLimitedError(retryAfter: .milliseconds(10)) }
            return 7
        }

        #expect(clock.sleeps == [.milliseconds(100)])
    }

    @Test
    func retryAfterBeyondTheBudgetGivesUpWithoutSleeping() async throws {
        let policy = RetryPolicy(maxAttempts: 3, maxElapsed: .seconds(10), random: Jitter.upper)

        let error = await #expect(throws: RetryError.self) {
            try await retrier(policy).run { () -> Int in throw RateLimitedError(retryAfter: .seconds(11)) }
        }

        #expect(error?.attempts == 1)
        #expect(error?.lastError is RateLimitedError)
        #expect(clock.sleeps.isEmpty)
    }

    @Test
    func cancellationErrorFromTheOperationPassesThrough() async throws {
        let calls = CallCounter()
        // Even a classifier that would retry everything must not retry cancellation.
        let policy = RetryPolicy(maxAttempts: 5, shouldRetry: { _ in true })

        await #expect(throws: CancellationError.self) {
            try await retrier(policy).run { () -> Int in
                _ = calls.next()
                throw CancellationError()
            }
        }

        #expect(calls.value == 1)
        #expect(clock.sleeps.isEmpty)
        #expect(try counter("resilience_retry_exhausted_total") == 0)
    }

    @Test
    func cancellingTheTaskStopsFurtherAttempts() async throws {
        let calls = CallCounter()
        let retrier = retrier(RetryPolicy(maxAttempts: 5))

        let task = Task {
            try await retrier.run { () -> Int in
                _ = calls.next()
                // The task is cancelled while the attempt runs; the attempt then fails as a torn-down call would.
                withUnsafeCurrentTask { $0?.cancel() }
                throw TransientError()
            }
        }

        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(calls.value == 1)
        #expect(clock.sleeps.isEmpty)
    }

    @Test
    func anAlreadyCancelledTaskMakesNoAttempt() async throws {
        let calls = CallCounter()
        let retrier = retrier(RetryPolicy(maxAttempts: 5))

        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await retrier.run { calls.next() }
        }

        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(calls.value == 0)
    }

    @Test
    func eachRetryIsLoggedAsAWarningWithItsMetadata() async throws {
        let calls = CallCounter()
        let policy = RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(250), random: Jitter.upper)

        _ = try await retrier(policy, name: "quotes").run {
            if calls.next() == 1 { throw TransientError(attempt: 1) }
            return 1
        }

        let retries = logs.records.filter { $0.metadata["resilience.delay_ms"] != nil }
        #expect(retries.count == 1)
        let record = try #require(retries.first)
        #expect(record.level == .warning)
        #expect(record.metadata["resilience.name"] == "quotes")
        #expect(record.metadata["resilience.attempt"]?.description == "1")
        #expect(record.metadata["resilience.delay_ms"]?.description == "250")
        #expect(record.metadata["error"] == "\(TransientError(attempt: 1))")
        #expect(try counter("resilience_retries_total", name: "quotes") == 1)
    }
}
