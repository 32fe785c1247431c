/// The production clock: `ContinuousClock`, so timing keeps advancing while the machine sleeps.
package struct SystemResilienceClock: ResilienceClock {
    // Shared by all instances so readings taken through different values of this type stay comparable.
    private static let origin = ContinuousClock.now

    /// Creates the system clock.
    package init() {}

    /// The time since the process-wide origin.
    package func now() -> Duration {
        Self.origin.duration(to: .now)
    }

    /// Sleeps on `ContinuousClock`; a non-positive duration only checks for cancellation.
    package func sleep(for duration: Duration) async throws {
        guard duration > .zero else {
            try Task.checkCancellation()
            return
        }
        try await ContinuousClock().sleep(for: duration)
    }
}
