import Resilience
import Synchronization

/// A retryable failure tagged with the attempt that produced it.
struct TransientError: Error, Equatable {
    var attempt = 0
}

/// A failure the tests' policies and breakers classify specially (not retryable / not recorded).
struct FatalError: Error, Equatable {}

/// An error the tests' breakers ignore entirely.
struct IgnoredError: Error, Equatable {}

/// A rate-limit response carrying a `Retry-After` hint.
struct RateLimitedError: Error, RetryAfterProviding {
    var retryAfter: Duration?
}

/// Counts calls of an operation from any task.
final class CallCounter: Sendable {
    private let count = Mutex(0)

    /// Registers a call and returns its 1-based number.
    func next() -> Int {
        count.withLock {
            $0 += 1
            return $0
        }
    }

    /// Calls registered so far.
    var value: Int {
        count.withLock { $0 }
    }
}

/// Deterministic jitter sources for `RetryPolicy.random`.
enum Jitter {
    /// Always the range's upper bound: the sleep equals the backoff ceiling.
    static let upper: RetryPolicy.RandomSource = { $0.upperBound }

    /// Always the range's lower bound: no sleep at all.
    static let lower: RetryPolicy.RandomSource = { $0.lowerBound }

    /// A reproducible pseudo-random source (SplitMix64) from `seed`.
    static func seeded(_ seed: UInt64) -> RetryPolicy.RandomSource {
        let generator = SplitMix64(seed: seed)
        return { range in range.lowerBound + generator.nextUnit() * (range.upperBound - range.lowerBound) }
    }
}

/// SplitMix64, shared between tasks behind a mutex: small, seedable and good enough for jitter.
final class SplitMix64: Sendable {
    private let state: Mutex<UInt64>

    init(seed: UInt64) {
        state = Mutex(seed)
    }

    /// The next value in 0..<1.
    func nextUnit() -> Double {
        let bits = state.withLock { state -> UInt64 in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return Double(bits >> 11) / Double(UInt64(1) << 53)
    }
}

/// Collects values handed over from any task, e.g. by an `onStateChange` callback.
final class Collector<Element: Sendable>: Sendable {
    private let storage = Mutex<[Element]>([])

    /// Appends one value.
    func append(_ element: Element) {
        storage.withLock { $0.append(element) }
    }

    /// Everything appended so far, in order.
    var values: [Element] {
        storage.withLock { $0 }
    }
}

/// Parks operations until opened, announcing each arrival, so tests can hold calls "in flight" without sleeping.
final class Gate: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Yields once per operation that reached `enter()`.
    let arrivals: AsyncStream<Void>
    private let arrived: AsyncStream<Void>.Continuation
    private let state = Mutex(State())

    init() {
        (arrivals, arrived) = AsyncStream.makeStream()
    }

    /// Announces the caller and suspends it until `open()`.
    func enter() async {
        arrived.yield()
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if state.isOpen { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Releases every parked operation and lets later ones pass straight through.
    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
