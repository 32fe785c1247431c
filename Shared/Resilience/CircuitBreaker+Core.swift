extension CircuitBreaker {
    /// How a finished call counts towards the failure rate.
    enum Outcome: String, Sendable, CaseIterable {
        case success
        case failure
        /// Counts as neither; in half-open it hands its trial permit back.
        case ignored
    }

    /// A state change, reported after the fact for logging, metrics and the `onStateChange` callback.
    struct Transition: Sendable {
        let from: State
        let to: State
        /// The failure rate of the window that was in force when the change happened.
        let failureRate: Double?
    }

    /// The answer to a permission request.
    enum Permission: Sendable {
        /// The call may run; `epoch` identifies the state instance it was admitted in.
        case granted(epoch: UInt64)
        case rejected(retryAfter: Duration?)
    }

    /// The breaker's pure state machine, kept behind the breaker's mutex; side effects are left to the caller.
    struct Core: Sendable {
        let configuration: Configuration
        private(set) var state: State = .closed
        private(set) var window: SlidingWindow
        private(set) var notPermittedCalls = 0
        private var openedAt: Duration = .zero
        private var trialPermitsIssued = 0
        // Bumped on every transition so a call admitted under an earlier state cannot sway a later one
        // (resilience4j lets such stragglers count; a slow pre-open call would then decide a half-open trial).
        private var epoch: UInt64 = 0

        init(configuration: Configuration) {
            self.configuration = configuration
            window = Self.closedWindow(configuration)
        }

        /// The snapshot of the current state and window.
        var snapshot: Snapshot {
            Snapshot(
                state: state,
                failureRate: window.failureRate,
                bufferedCalls: window.count,
                failedCalls: window.failedCount,
                notPermittedCalls: notPermittedCalls
            )
        }

        /// Admits or rejects a call at time `now`, moving an open breaker whose wait has elapsed to half-open.
        mutating func acquire(now: Duration) -> (Permission, Transition?) {
            var transition: Transition?
            if state == .open {
                let reopensAt = openedAt + configuration.waitDurationInOpenState
                guard now >= reopensAt else {
                    notPermittedCalls += 1
                    return (.rejected(retryAfter: reopensAt - now), nil)
                }
                transition = self.transition(to: .halfOpen, now: now)
            }
            if state == .halfOpen {
                guard trialPermitsIssued < configuration.permittedNumberOfCallsInHalfOpenState else {
                    notPermittedCalls += 1
                    return (.rejected(retryAfter: nil), transition)
                }
                trialPermitsIssued += 1
            }
            return (.granted(epoch: epoch), transition)
        }

        /// Records a finished call; `epoch` is `nil` for callers that track no permission (low-level API), whose
        /// outcome then applies to whatever state is current.
        mutating func record(_ outcome: Outcome, epoch callEpoch: UInt64?, now: Duration) -> Transition? {
            if let callEpoch, callEpoch != epoch { return nil }
            switch (state, outcome) {
            case (.open, _):
                // Only stragglers from the low-level API land here; the open window stays as it tripped.
                return nil
            case (.closed, .ignored):
                return nil
            case (.halfOpen, .ignored):
                trialPermitsIssued = max(0, trialPermitsIssued - 1)
                return nil
            case (.closed, _):
                window.record(failure: outcome == .failure)
                guard let rate = window.failureRate, rate >= configuration.failureRateThreshold else { return nil }
                return transition(to: .open, now: now)
            case (.halfOpen, _):
                window.record(failure: outcome == .failure)
                // The half-open window's minimum equals its size, so a rate exists only once every trial is in.
                guard let rate = window.failureRate else { return nil }
                return transition(to: rate >= configuration.failureRateThreshold ? .open : .closed, now: now)
            }
        }

        /// Moves to `target`, resetting what resilience4j resets: closed and half-open start a fresh window,
        /// open keeps the window that tripped it (so status shows why) and restarts the wait timer.
        mutating func transition(to target: State, now: Duration) -> Transition {
            let change = Transition(from: state, to: target, failureRate: window.failureRate)
            state = target
            epoch &+= 1
            switch target {
            case .closed:
                window = Self.closedWindow(configuration)
                notPermittedCalls = 0
            case .open:
                openedAt = now
            case .halfOpen:
                let trials = configuration.permittedNumberOfCallsInHalfOpenState
                window = SlidingWindow(capacity: trials, minimumCount: trials)
                trialPermitsIssued = 0
                notPermittedCalls = 0
            }
            return change
        }

        /// Returns to closed with a fresh window; a closed breaker just forgets its window, with no transition.
        mutating func reset(now: Duration) -> Transition? {
            guard state == .closed else { return transition(to: .closed, now: now) }
            window = Self.closedWindow(configuration)
            notPermittedCalls = 0
            epoch &+= 1
            return nil
        }

        private static func closedWindow(_ configuration: Configuration) -> SlidingWindow {
            SlidingWindow(capacity: configuration.slidingWindowSize, minimumCount: configuration.minimumNumberOfCalls)
        }
    }
}
