import Resilience
import ResilienceTesting
import Testing

@Suite("Token bucket")
struct TokenBucketTests {
    @Test("a full bucket allows a burst of its capacity, then tells the wait for the next token")
    func burstThenWait() {
        let clock = ManualClock()
        let bucket = TokenBucket(limits: .init(capacity: 3, refillPerSecond: 2), clock: clock)
        #expect(bucket.tryAcquire() == nil)
        #expect(bucket.tryAcquire() == nil)
        #expect(bucket.tryAcquire() == nil)
        #expect(bucket.tryAcquire() == .milliseconds(500))
        clock.advance(by: .milliseconds(200))
        #expect(bucket.tryAcquire() == .milliseconds(300))
        clock.advance(by: .milliseconds(300))
        #expect(bucket.tryAcquire() == nil)
        #expect(bucket.tryAcquire() == .milliseconds(500))
    }

    @Test("refill never exceeds the capacity")
    func refillCapped() {
        let clock = ManualClock()
        let bucket = TokenBucket(limits: .init(capacity: 2, refillPerSecond: 10), clock: clock)
        #expect(bucket.tryAcquire() == nil)
        clock.advance(by: .seconds(60))
        #expect(bucket.available == 2)
        #expect(bucket.isFull)
        #expect(bucket.tryAcquire() == nil)
        #expect(bucket.tryAcquire() == nil)
        #expect(bucket.tryAcquire() != nil)
    }

    @Test("acquire sleeps exactly as long as the missing token needs")
    func acquireSleeps() async throws {
        let clock = ManualClock()
        let bucket = TokenBucket(limits: .init(capacity: 1, refillPerSecond: 4), clock: clock)
        try await bucket.acquire()
        try await bucket.acquire()
        try await bucket.acquire()
        #expect(clock.sleeps == [.milliseconds(250), .milliseconds(250)])
    }
}
