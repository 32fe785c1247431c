import Logging
import Metrics
import Synchronization

/// A count-based circuit breaker with resilience4j semantics: it opens when the failure rate over the last calls
/// reaches a threshold, rejects calls while open, and lets a few trial calls decide when to close again.
///
/// Transitions are logged at notice level and exported as metrics; an open breaker moves to half-open lazily,
/// on the first call attempted after the wait duration.
package final class CircuitBreaker: Sendable {
    /// The name used in logs, metric dimensions and rejection errors.
    package let name: String
    /// The thresholds and timings.
    package let configuration: Configuration
    private let clock: any ResilienceClock
    private let logger: Logger
    private let instruments: Instruments
    private let onStateChange: (@Sendable (State, State) -> Void)?
    private let core: Mutex<Core>

    /// Creates a closed breaker; `factory` overrides the global metrics backend and `onStateChange` is called
    /// with (from, to) after each transition, outside the breaker's lock.
    package init(
        name: String,
        configuration: Configuration = Configuration(),
        clock: any ResilienceClock = SystemResilienceClock(),
        logger: Logger,
        factory: (any MetricsFactory)? = nil,
        onStateChange: (@Sendable (State, State) -> Void)? = nil
    ) {
        self.name = name
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.onStateChange = onStateChange
        instruments = Instruments(name: name, factory: factory ?? MetricsSystem.factory)
        core = Mutex(Core(configuration: configuration))
        CircuitBreakerRegistry.shared.register(self)
    }

    /// The current state; an open breaker whose wait has elapsed reads open until a call is attempted.
    package var state: State {
        core.withLock { $0.state }
    }

    /// The state and window counters, read atomically.
    package var snapshot: Snapshot {
        core.withLock { $0.snapshot }
    }

    /// Runs `operation` if the breaker permits it and records its outcome; otherwise throws
    /// `CircuitBreakerError.open` without running it.
    package func run<T: Sendable>(_ operation: @Sendable () async throws -> T) async throws -> T {
        let epoch = try acquire()
        let value: T
        do {
            value = try await operation()
        } catch {
            record(outcome(of: error), epoch: epoch)
            throw error
        }
        record(.success, epoch: epoch)
        return value
    }

    /// Forces the breaker closed with an empty window, for operators who know the dependency has recovered.
    package func reset() {
        let change = core.withLock { core in
            let change = core.reset(now: clock.now())
            if let change { publish(change) }
            return change
        }
        notify(change)
    }

    private func acquire() throws(CircuitBreakerError) -> UInt64 {
        let (permission, change) = core.withLock { core in
            let (permission, change) = core.acquire(now: clock.now())
            if let change { publish(change) }
            if case .rejected = permission { instruments.rejected() }
            return (permission, change)
        }
        notify(change)
        switch permission {
        case .granted(let epoch):
            return epoch
        case .rejected(let retryAfter):
            throw .open(name: name, retryAfter: retryAfter)
        }
    }

    private func record(_ outcome: Outcome, epoch: UInt64?) {
        instruments.completed(outcome)
        let change = core.withLock { core in
            let change = core.record(outcome, epoch: epoch, now: clock.now())
            if let change { publish(change) }
            return change
        }
        notify(change)
    }

    private func outcome(of error: any Error) -> Outcome {
        if configuration.isIgnored(error) { return .ignored }
        return configuration.recordError(error) ? .failure : .success
    }

    // Called under the lock so the gauge and the log follow the true order of transitions; neither the log
    // handler nor the metrics backend calls back into the breaker.
    private func publish(_ change: Transition) {
        instruments.transitioned(from: change.from, to: change.to)
        logger.notice(
            "Circuit breaker changed state",
            metadata: [
                "breaker.name": .string(name),
                "breaker.from": .string(change.from.description),
                "breaker.to": .string(change.to.description),
                "breaker.failure_rate": .string(change.failureRate.map { "\($0)" } ?? "n/a"),
            ]
        )
    }

    // Outside the lock: the callback is caller code and may well read the breaker's state.
    private func notify(_ change: Transition?) {
        guard let change, let onStateChange else { return }
        onStateChange(change.from, change.to)
    }
}
