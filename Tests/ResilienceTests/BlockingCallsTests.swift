import Foundation
import Resilience
import Synchronization
import Testing

@Suite("Blocking calls")
struct BlockingCallsTests {
    /// How many calls have started, shared by the calls of one test.
    final class Arrivals: Sendable {
        private let count = Mutex(0)

        /// Counts this call in, then blocks its thread until `total` calls are in or `patience` has passed; whether
        /// all of them were in at once.
        func arriveAndWait(total: Int, patience: TimeInterval) -> Bool {
            count.withLock { $0 += 1 }
            let deadline = Date().addingTimeInterval(patience)
            while Date() < deadline {
                if count.withLock({ $0 }) >= total { return true }
                usleep(1_000)
            }
            return count.withLock { $0 } >= total
        }
    }

    @Test("many calls that block run side by side: each one waits for all the others, and all of them meet")
    func blockingCallsDoNotQueue() async throws {
        // On libdispatch's global queue (what runBlocking used before) 64 blocked calls come in at about four a
        // second, so most of them never meet the others within the patience; each on a thread of its own, they do.
        let total = 64
        let arrivals = Arrivals()
        let met = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<total {
                group.addTask { try await runBlocking { arrivals.arriveAndWait(total: total, patience: 5) } }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(met.count == total)
        #expect(met.allSatisfy { $0 })
    }

    @Test("a call's error and its value come back to the caller")
    func resultsComeBack() async throws {
        struct Failure: Error {}
        #expect(try await runBlocking { 41 + 1 } == 42)
        await #expect(throws: Failure.self) { try await runBlocking { throw Failure() } }
    }
}
