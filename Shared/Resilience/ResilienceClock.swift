/// A monotonic time source that can also sleep, injected so retry and breaker timing is testable without waiting.
package protocol ResilienceClock: Sendable {
    /// The monotonic time elapsed since an arbitrary, fixed origin; only differences are meaningful.
    func now() -> Duration

    /// Suspends for `duration`, throwing `CancellationError` if the task is cancelled.
    func sleep(for duration: Duration) async throws
}
