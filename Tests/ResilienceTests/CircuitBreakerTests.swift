import Logging
import Metrics
import MetricsTestKit
import Resilience
import ResilienceTesting
import Testing

/// The breaker's state machine, driven by a manual clock, with its logs and metrics.
@Suite
struct CircuitBreakerTests {
    typealias State = CircuitBreaker.State

    static let wait = Duration.seconds(10)

    let clock = ManualClock()
    let metrics = TestMetrics()
    let logs = LogCapture()
    let changes = Collector<[State]>()

    /// Window of 4, all 4 needed for a rate, 50 % trips it, 10 s open, 2 trial calls.
    func makeBreaker(
        threshold: Double = 50,
        window: Int = 4,
        minimumCalls: Int = 4,
        trialCalls: Int = 2,
        recordError: @escaping @Sendable (any Error) -> Bool = { _ in true },
        isIgnored: @escaping @Sendable (any Error) -> Bool = { $0 is CancellationError }
    ) -> CircuitBreaker {
        let configuration = CircuitBreaker.Configuration(
            failureRateThreshold: threshold,
            slidingWindowSize: window,
            minimumNumberOfCalls: minimumCalls,
            waitDurationInOpenState: Self.wait,
            permittedNumberOfCallsInHalfOpenState: trialCalls,
            recordError: recordError,
            isIgnored: isIgnored
        )
        let changes = changes
        return CircuitBreaker(
            name: "vendor", configuration: configuration, clock: clock, logger: logs.logger, factory: metrics,
            onStateChange: { changes.append([$0, $1]) }
        )
    }

    func succeed(_ breaker: CircuitBreaker, times: Int = 1) async throws {
        for _ in 0..<times {
            _ = try await breaker.run { 1 }
        }
    }

    /// Whether a call is rejected without running (an admitted call runs and succeeds).
    func rejects(_ breaker: CircuitBreaker) async -> Bool {
        do {
            _ = try await breaker.run { 1 }
            return false
        } catch {
            return error is CircuitBreakerError
        }
    }

    /// Starts a call that is admitted and stays in flight until `gate` opens; returns once it runs.
    func admit(_ breaker: CircuitBreaker, through gate: Gate) async -> Task<Int, any Error> {
        var arrivals = gate.arrivals.makeAsyncIterator()
        let call = Task {
            try await breaker.run { () -> Int in
                await gate.enter()
                return 1
            }
        }
        await arrivals.next()
        return call
    }

    /// Makes calls that run and fail with `error`; a rejection instead is a test failure.
    func fail(_ breaker: CircuitBreaker, with error: any Error = TransientError(), times: Int = 1) async {
        for _ in 0..<times {
            do {
                _ = try await breaker.run { () -> Int in throw error }
                Issue.record("the operation was expected to fail")
            } catch let rejection as CircuitBreakerError {
                Issue.record("the call was rejected: \(rejection)")
            } catch {}
        }
    }

    /// Trips a default breaker at the current time.
    func openBreaker(_ breaker: CircuitBreaker) async {
        await fail(breaker, times: 4)
        #expect(breaker.state == .open)
    }

    func calls(_ outcome: String) throws -> Int64 {
        try metrics.expectCounter("circuit_breaker_calls_total", [("name", "vendor"), ("outcome", outcome)])
            .totalValue
    }

    func transitions(_ from: String, _ to: String) throws -> Int64 {
        let dimensions = [("name", "vendor"), ("from", from), ("to", to)]
        return try metrics.expectCounter("circuit_breaker_transitions_total", dimensions).totalValue
    }

    func stateGauge() throws -> [Double] {
        try metrics.expectGauge("circuit_breaker_state", [("name", "vendor")]).values
    }

    // MARK: Closed

    @Test
    func staysClosedBelowMinimumNumberOfCallsEvenAtFullFailure() async throws {
        let breaker = makeBreaker()

        await fail(breaker, times: 3)

        let snapshot = breaker.snapshot
        #expect(snapshot.state == .closed)
        #expect(snapshot.failureRate == nil)
        #expect(snapshot.bufferedCalls == 3)
        #expect(snapshot.failedCalls == 3)
        #expect(changes.values.isEmpty)
    }

    @Test
    func opensExactlyWhenTheFailureRateReachesTheThreshold() async throws {
        let breaker = makeBreaker()

        try await succeed(breaker, times: 2)
        await fail(breaker)
        #expect(breaker.state == .closed)
        await fail(breaker)

        #expect(breaker.state == .open)
        #expect(breaker.snapshot.failureRate == 50)
        #expect(changes.values == [[.closed, .open]])
    }

    @Test
    func staysClosedBelowTheThreshold() async throws {
        let breaker = makeBreaker()

        try await succeed(breaker, times: 3)
        await fail(breaker)

        #expect(breaker.state == .closed)
        #expect(breaker.snapshot.failureRate == 25)
    }

    @Test
    func slidingWindowForgetsOldOutcomes() async throws {
        let breaker = makeBreaker(threshold: 60)

        await fail(breaker, times: 2)
        try await succeed(breaker, times: 4)
        #expect(breaker.snapshot.failedCalls == 0)
        #expect(breaker.snapshot.bufferedCalls == 4)

        // Over all 9 calls 5 failures would be 56 %; over the last 4 it is 75 %.
        await fail(breaker, times: 2)
        #expect(breaker.state == .closed)
        await fail(breaker)
        #expect(breaker.state == .open)
        #expect(breaker.snapshot.failureRate == 75)
    }

    @Test
    func minimumNumberOfCallsAboveTheWindowSizeIsCappedToIt() async throws {
        let breaker = makeBreaker(window: 3, minimumCalls: 10)

        await fail(breaker, times: 3)

        #expect(breaker.state == .open)
    }

    // MARK: Open

    @Test
    func openRejectsWithoutCallingTheOperationAndCountsNotPermitted() async throws {
        let breaker = makeBreaker()
        await openBreaker(breaker)
        clock.advance(by: .seconds(4))
        let operationCalls = CallCounter()

        await #expect(throws: CircuitBreakerError.open(name: "vendor", retryAfter: .seconds(6))) {
            try await breaker.run { operationCalls.next() }
        }
        #expect(await rejects(breaker))

        #expect(operationCalls.value == 0)
        #expect(breaker.snapshot.notPermittedCalls == 2)
        #expect(try calls("not_permitted") == 2)
        // The open breaker keeps showing the window that tripped it.
        #expect(breaker.snapshot.failureRate == 100)
    }

    @Test
    func openMovesToHalfOpenOnlyOnceTheWaitHasElapsed() async throws {
        let breaker = makeBreaker()
        await openBreaker(breaker)

        clock.advance(by: Self.wait - .nanoseconds(1))
        await #expect(throws: CircuitBreakerError.open(name: "vendor", retryAfter: .nanoseconds(1))) {
            try await breaker.run { 1 }
        }
        #expect(breaker.state == .open)

        clock.advance(by: .nanoseconds(1))
        try await succeed(breaker)

        #expect(breaker.state == .halfOpen)
        #expect(changes.values == [[.closed, .open], [.open, .halfOpen]])
    }

    @Test
    func openStaysOpenWithoutCallsEvenAfterTheWait() async throws {
        let breaker = makeBreaker()
        await openBreaker(breaker)

        clock.advance(by: Self.wait * 3)

        #expect(breaker.state == .open)
    }

    // MARK: Half-open

    @Test
    func halfOpenPermitsExactlyTheTrialCallsWhileTheyAreInFlight() async throws {
        let breaker = makeBreaker(trialCalls: 2)
        await openBreaker(breaker)
        clock.advance(by: Self.wait)
        let gate = Gate()
        let operationCalls = CallCounter()

        async let first = breaker.run {
            await gate.enter()
            return operationCalls.next()
        }
        async let second = breaker.run {
            await gate.enter()
            return operationCalls.next()
        }
        var arrivals = gate.arrivals.makeAsyncIterator()
        await arrivals.next()
        await arrivals.next()

        await #expect(throws: CircuitBreakerError.open(name: "vendor", retryAfter: nil)) {
            try await breaker.run { operationCalls.next() }
        }
        #expect(await rejects(breaker))
        #expect(breaker.state == .halfOpen)

        gate.open()
        let results = try await [first, second]

        #expect(results.sorted() == [1, 2])
        #expect(operationCalls.value == 2)
        #expect(breaker.state == .closed)
        #expect(try calls("not_permitted") == 2)
    }

    @Test
    func halfOpenDecidesOnlyOnceAllTrialCallsHaveCompleted() async throws {
        let breaker = makeBreaker(trialCalls: 3)
        await openBreaker(breaker)
        clock.advance(by: Self.wait)

        await fail(breaker, times: 2)
        #expect(breaker.state == .halfOpen)
        #expect(breaker.snapshot.failureRate == nil)

        try await succeed(breaker)
        #expect(breaker.state == .open)
    }

    @Test
    func halfOpenClosesWhenTheTrialFailureRateIsBelowTheThreshold() async throws {
        let breaker = makeBreaker(trialCalls: 4)
        await openBreaker(breaker)
        clock.advance(by: Self.wait)

        try await succeed(breaker, times: 3)
        await fail(breaker)

        let snapshot = breaker.snapshot
        #expect(snapshot.state == .closed)
        // Closing starts a fresh window: the trials are forgotten.
        #expect(snapshot.bufferedCalls == 0)
        #expect(snapshot.failedCalls == 0)
        #expect(snapshot.notPermittedCalls == 0)
        #expect(changes.values == [[.closed, .open], [.open, .halfOpen], [.halfOpen, .closed]])
    }

    @Test
    func halfOpenReopensOnFailuresAndRestartsTheOpenTimer() async throws {
        let breaker = makeBreaker(trialCalls: 2)
        await openBreaker(breaker)
        clock.advance(by: Self.wait)

        await fail(breaker)
        clock.advance(by: .seconds(3))
        await fail(breaker)
        #expect(breaker.state == .open)

        // The wait counts from the reopening at 13 s, not from the first opening at 0 s.
        await #expect(throws: CircuitBreakerError.open(name: "vendor", retryAfter: Self.wait)) {
            try await breaker.run { 1 }
        }
        clock.advance(by: Self.wait - .nanoseconds(1))
        #expect(await rejects(breaker))
        clock.advance(by: .nanoseconds(1))
        let gate = Gate()
        let trial = await admit(breaker, through: gate)
        #expect(breaker.state == .halfOpen)
        #expect(
            changes.values == [[.closed, .open], [.open, .halfOpen], [.halfOpen, .open], [.open, .halfOpen]]
        )
        gate.open()
        #expect(try await trial.value == 1)
    }

    @Test
    func aCallAdmittedBeforeATransitionDoesNotCountAfterIt() async throws {
        let breaker = makeBreaker(trialCalls: 1)
        let gate = Gate()
        let straggler = Task {
            try await breaker.run { () -> Int in
                await gate.enter()
                throw TransientError()
            }
        }
        var arrivals = gate.arrivals.makeAsyncIterator()
        await arrivals.next()
        await openBreaker(breaker)
        clock.advance(by: Self.wait)
        let trialGate = Gate()
        let trial = await admit(breaker, through: trialGate)

        // The straggler was admitted while closed; its failure must not decide the half-open trial.
        gate.open()
        await #expect(throws: TransientError.self) { try await straggler.value }
        #expect(breaker.state == .halfOpen)

        trialGate.open()
        #expect(try await trial.value == 1)
        #expect(breaker.state == .closed)
    }

    // MARK: Classification

    @Test
    func ignoredErrorsCountAsNeitherSuccessNorFailure() async throws {
        let breaker = makeBreaker(isIgnored: { $0 is IgnoredError })

        await fail(breaker, with: IgnoredError(), times: 5)

        #expect(breaker.state == .closed)
        #expect(breaker.snapshot.bufferedCalls == 0)
        #expect(try calls("ignored") == 5)
        #expect(try calls("failure") == 0)
    }

    @Test
    func errorsNotRecordedAsFailuresCountAsSuccesses() async throws {
        let breaker = makeBreaker(recordError: { !($0 is FatalError) })

        await fail(breaker, with: FatalError(), times: 4)

        #expect(breaker.state == .closed)
        #expect(breaker.snapshot.bufferedCalls == 4)
        #expect(breaker.snapshot.failedCalls == 0)
        #expect(try calls("success") == 4)
    }

    @Test
    func cancellationIsIgnoredByDefault() async throws {
        let breaker = makeBreaker()

        await fail(breaker, with: CancellationError(), times: 4)

        #expect(breaker.state == .closed)
        #expect(breaker.snapshot.bufferedCalls == 0)
    }

    @Test
    func anIgnoredTrialCallHandsItsPermitBack() async throws {
        let breaker = makeBreaker(trialCalls: 1, isIgnored: { $0 is IgnoredError })
        await openBreaker(breaker)
        clock.advance(by: Self.wait)

        await fail(breaker, with: IgnoredError())
        #expect(breaker.state == .halfOpen)

        try await succeed(breaker)
        #expect(breaker.state == .closed)
    }

    // MARK: Reset

    @Test
    func resetClosesAnOpenBreakerWithAnEmptyWindow() async throws {
        let breaker = makeBreaker()
        await openBreaker(breaker)

        breaker.reset()

        #expect(breaker.snapshot.state == .closed)
        #expect(breaker.snapshot.bufferedCalls == 0)
        #expect(try transitions("open", "closed") == 1)
        try await succeed(breaker)
    }

    // MARK: Telemetry

    @Test
    func everyTransitionIsLoggedAtNoticeLevel() async throws {
        let breaker = makeBreaker()
        try await succeed(breaker, times: 2)
        await fail(breaker, times: 2)
        clock.advance(by: Self.wait)
        try await succeed(breaker, times: 2)

        let records = logs.records
        #expect(records.map(\.level) == [.notice, .notice, .notice])
        #expect(records.map { $0.metadata["breaker.name"] } == ["vendor", "vendor", "vendor"])
        #expect(records.map { $0.metadata["breaker.from"] } == ["closed", "open", "half_open"])
        #expect(records.map { $0.metadata["breaker.to"] } == ["open", "half_open", "closed"])
        #expect(records.map { $0.metadata["breaker.failure_rate"] } == ["50.0", "50.0", "0.0"])
    }

    @Test
    func stateGaugeAndTransitionCountersFollowTheStateMachine() async throws {
        let breaker = makeBreaker(trialCalls: 1)
        #expect(try stateGauge() == [0])

        await openBreaker(breaker)
        clock.advance(by: Self.wait)
        await fail(breaker)
        clock.advance(by: Self.wait)
        try await succeed(breaker)

        #expect(try stateGauge() == [0, 1, 2, 1, 2, 0])
        #expect(try transitions("closed", "open") == 1)
        #expect(try transitions("open", "half_open") == 2)
        #expect(try transitions("half_open", "open") == 1)
        #expect(try transitions("half_open", "closed") == 1)
        #expect(try transitions("closed", "half_open") == 0)
        #expect(try calls("failure") == 5)
        #expect(try calls("success") == 1)
    }

    @Test
    func metricsAreCreatedOncePerBreakerNotPerCall() async throws {
        let breaker = makeBreaker()
        let before = metrics.counters.count

        try await succeed(breaker, times: 2)
        await fail(breaker, times: 2)
        #expect(await rejects(breaker))

        #expect(metrics.counters.count == before)
    }
}
