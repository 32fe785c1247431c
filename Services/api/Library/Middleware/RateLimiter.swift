import Metrics
import Resilience
import Synchronization

/// Token buckets per client (an API key, or the client's address without one).
package final class RateLimiter: Sendable {
    /// The limits every client gets; nil turns limiting off.
    package let limits: TokenBucket.Limits?
    private let clock: any ResilienceClock
    private let buckets = Mutex<[String: TokenBucket]>([:])
    private let limited = Counter(label: "api_rate_limited_total")

    /// A limiter giving each client `limits`.
    package init(limits: TokenBucket.Limits?, clock: any ResilienceClock = SystemResilienceClock()) {
        self.limits = limits
        self.clock = clock
    }

    /// Takes a token for `client`: nil when the request may go ahead, else how long to wait.
    package func admit(_ client: String) -> Duration? {
        guard let limits else { return nil }
        let bucket = buckets.withLock { buckets in
            if let bucket = buckets[client] { return bucket }
            // Idle clients' buckets are full again; drop them so the table does not grow without bound.
            if buckets.count >= 10_000 { buckets = buckets.filter { !$0.value.isFull } }
            let bucket = TokenBucket(limits: limits, clock: clock)
            buckets[client] = bucket
            return bucket
        }
        let wait = bucket.tryAcquire()
        if wait != nil { limited.increment() }
        return wait
    }
}
