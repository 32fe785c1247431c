/// The error a `Retrier` throws when it gives up on a retryable failure.
package enum RetryError: Error, CustomStringConvertible {
    /// Attempts or the elapsed-time budget ran out; carries how many attempts ran and the last failure.
    case exhausted(attempts: Int, lastError: any Error)

    /// The last failure of the operation.
    package var lastError: any Error {
        switch self {
        case .exhausted(_, let lastError): lastError
        }
    }

    /// How many attempts ran before giving up.
    package var attempts: Int {
        switch self {
        case .exhausted(let attempts, _): attempts
        }
    }

    /// A one-line description naming the attempt count and the last error.
    package var description: String {
        "retries exhausted after \(attempts) attempt(s): \(lastError)"
    }
}
