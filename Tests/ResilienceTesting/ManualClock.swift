import Resilience
import Synchronization

/// A test clock whose time moves only when told to, so timing-dependent code runs instantly and deterministically.
///
/// `sleep(for:)` does not suspend: it advances this clock by the requested duration and records it, which lets
/// tests assert the exact delays a retry loop chose while the code under test observes consistent time.
package final class ManualClock: ResilienceClock {
    private struct State {
        var now: Duration
        var sleeps: [Duration] = []
    }

    private let state: Mutex<State>

    /// Creates a clock that reads `start` until advanced.
    package init(start: Duration = .zero) {
        state = Mutex(State(now: start))
    }

    /// The current manual time.
    package func now() -> Duration {
        state.withLock { $0.now }
    }

    /// Moves time forward by `duration`.
    package func advance(by duration: Duration) {
        state.withLock { $0.now += duration }
    }

    /// Every duration passed to `sleep(for:)` that was not cancelled, in call order.
    package var sleeps: [Duration] {
        state.withLock { $0.sleeps }
    }

    /// Records the sleep and advances time by it at once; throws `CancellationError` if the task is cancelled.
    package func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        state.withLock {
            $0.sleeps.append(duration)
            $0.now += max(duration, .zero)
        }
    }
}
