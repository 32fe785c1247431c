/// An error that knows how long the caller should wait before trying again (an HTTP 429/503 `Retry-After`,
/// an open circuit breaker).
package protocol RetryAfterProviding {
    /// The minimum wait before the next attempt, or `nil` when the error gives no hint.
    var retryAfter: Duration? { get }
}
