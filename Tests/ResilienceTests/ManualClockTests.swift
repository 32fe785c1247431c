import Resilience
import ResilienceTesting
import Testing

/// The test clock itself: time moves only when advanced or slept, and sleeps are recorded.
@Suite
struct ManualClockTests {
    @Test
    func timeMovesOnlyWhenAdvancedOrSlept() async throws {
        let clock = ManualClock(start: .seconds(5))
        #expect(clock.now() == .seconds(5))

        clock.advance(by: .milliseconds(250))
        try await clock.sleep(for: .seconds(1))

        #expect(clock.now() == .milliseconds(6_250))
        #expect(clock.sleeps == [.seconds(1)])
    }

    @Test
    func sleepingInACancelledTaskThrowsAndRecordsNothing() async throws {
        let clock = ManualClock()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await clock.sleep(for: .seconds(1))
        }

        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(clock.sleeps.isEmpty)
        #expect(clock.now() == .zero)
    }

    @Test
    func systemClockSleepsAtLeastTheDurationAndStopsOnCancellation() async throws {
        let clock = SystemResilienceClock()
        let start = clock.now()
        try await clock.sleep(for: .milliseconds(20))
        #expect(clock.now() - start >= .milliseconds(20))

        let sleeper = Task { try await clock.sleep(for: .seconds(3600)) }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
    }
}
