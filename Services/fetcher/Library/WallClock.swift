import Foundation

/// Wall-clock time for the scheduler, injected so tests run a whole schedule without waiting.
package protocol WallClock: Sendable {
    /// The current instant.
    func now() -> Date
    /// Returns at `instant` (at once if it has passed); throws `CancellationError` when cancelled.
    func sleep(until instant: Date) async throws
}

/// The system's clock.
package struct SystemWallClock: WallClock {
    /// Sleeps at most this long before looking at the clock again, so a wall-clock change (NTP, a suspended machine)
    /// delays a run by no more than this.
    private let slice: Duration

    /// The system clock, re-reading the time at least every `slice`.
    package init(slice: Duration = .seconds(30)) {
        self.slice = slice
    }

    /// `Date()`.
    package func now() -> Date { Date() }

    /// Sleeps in slices until `instant` has passed.
    package func sleep(until instant: Date) async throws {
        while true {
            let remaining = instant.timeIntervalSince(Date())
            guard remaining > 0 else {
                try Task.checkCancellation()
                return
            }
            try await Task.sleep(for: min(slice, .milliseconds(Int64((remaining * 1000).rounded(.up)))))
        }
    }
}
