import Synchronization

/// A token bucket: `capacity` tokens, refilled continuously at `refillPerSecond`; a call takes one token or learns
/// how long until one is available. Used for vendor rate limits (one bucket per provider) and the API's limits
/// (one bucket per key or client address).
package final class TokenBucket: Sendable {
    /// The limits of a bucket.
    package struct Limits: Sendable, Equatable {
        /// The most tokens the bucket holds: the largest burst.
        package var capacity: Double
        /// Tokens added per second: the sustained rate.
        package var refillPerSecond: Double

        /// Limits of `capacity` tokens refilled at `refillPerSecond`; both must be positive.
        package init(capacity: Double, refillPerSecond: Double) {
            precondition(capacity >= 1 && refillPerSecond > 0, "a token bucket needs capacity >= 1 and a refill > 0")
            self.capacity = capacity
            self.refillPerSecond = refillPerSecond
        }
    }

    private struct State {
        var tokens: Double
        var updated: Duration
    }

    /// The limits this bucket enforces.
    package let limits: Limits
    private let clock: any ResilienceClock
    private let state: Mutex<State>

    /// A full bucket.
    package init(limits: Limits, clock: any ResilienceClock = SystemResilienceClock()) {
        self.limits = limits
        self.clock = clock
        state = Mutex(State(tokens: limits.capacity, updated: clock.now()))
    }

    /// Takes one token if there is one and returns `nil`; otherwise takes nothing and returns the wait until the
    /// next token.
    package func tryAcquire() -> Duration? {
        let now = clock.now()
        return state.withLock { state in
            refill(&state, now: now)
            if state.tokens >= 1 {
                state.tokens -= 1
                return nil
            }
            let missing = 1 - state.tokens
            return .nanoseconds(Int64((missing / limits.refillPerSecond * 1e9).rounded(.up)))
        }
    }

    /// Waits until a token is available and takes it; throws `CancellationError` when cancelled while waiting.
    package func acquire() async throws {
        while let wait = tryAcquire() {
            try await clock.sleep(for: wait)
        }
    }

    /// The tokens available now (fractional), for metrics and tests.
    package var available: Double {
        let now = clock.now()
        return state.withLock { state in
            refill(&state, now: now)
            return state.tokens
        }
    }

    /// Whether the bucket is full again, so that an owner keeping one bucket per client may drop it.
    package var isFull: Bool { available >= limits.capacity }

    private func refill(_ state: inout State, now: Duration) {
        let elapsed = now - state.updated
        guard elapsed > .zero else { return }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        state.tokens = min(limits.capacity, state.tokens + seconds * limits.refillPerSecond)
        state.updated = now
    }
}
