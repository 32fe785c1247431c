/// A count-based ring buffer of the last N call outcomes, keeping the failure count incrementally.
struct SlidingWindow: Sendable {
    private var failures: [Bool]
    private var next = 0
    /// Recorded outcomes, at most `capacity`.
    private(set) var count = 0
    /// Failed outcomes among those recorded.
    private(set) var failedCount = 0
    /// Outcomes needed before a failure rate is reported.
    let minimumCount: Int

    /// Creates an empty window of `capacity` outcomes that reports a rate from `minimumCount` outcomes on;
    /// as in resilience4j, a minimum above the capacity is lowered to it so the breaker can still trip.
    init(capacity: Int, minimumCount: Int) {
        precondition(capacity >= 1, "sliding window capacity must be at least 1")
        failures = Array(repeating: false, count: capacity)
        self.minimumCount = max(1, min(minimumCount, capacity))
    }

    /// The size of the window.
    var capacity: Int { failures.count }

    /// The failure percentage (0...100), or `nil` while fewer than `minimumCount` outcomes are recorded.
    var failureRate: Double? {
        guard count >= minimumCount else { return nil }
        return Double(failedCount) * 100 / Double(count)
    }

    /// Records one outcome, evicting the oldest once full.
    mutating func record(failure: Bool) {
        if count == capacity {
            if failures[next] { failedCount -= 1 }
        } else {
            count += 1
        }
        failures[next] = failure
        if failure { failedCount += 1 }
        next = (next + 1) % capacity
    }
}
