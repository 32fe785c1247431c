/// The error a `CircuitBreaker` throws instead of running a call it does not permit.
package enum CircuitBreakerError: Error, Equatable, RetryAfterProviding, CustomStringConvertible {
    /// The breaker rejected the call: it is open (`retryAfter` is the rest of the wait) or half-open with all
    /// trial calls in flight (`retryAfter` is `nil`, as the trials' end is unknown).
    case open(name: String, retryAfter: Duration?)

    /// The earliest time worth trying again, when known.
    package var retryAfter: Duration? {
        switch self {
        case .open(_, let retryAfter): retryAfter
        }
    }

    /// A one-line description naming the breaker.
    package var description: String {
        switch self {
        case .open(let name, let retryAfter?): "circuit breaker '\(name)' is open; retry after \(retryAfter)"
        case .open(let name, nil): "circuit breaker '\(name)' does not permit further calls"
        }
    }
}
