import Resilience

/// How a ``ConsumerRunner`` ends a message once its handler has run: the one place the redelivery policy is decided.
package enum Settlement: Sendable, Equatable {
    /// Acknowledge: the effect is durable.
    case acknowledge
    /// Ask for redelivery after the delay.
    case redeliver(after: Duration)
    /// Hand back for redelivery at once (the handler was cancelled, as at shutdown).
    case handBack
    /// Dead-letter with the reason.
    case deadLetter(reason: String)
    /// Leave it: the handler ends it itself (``MessageOutcome/deferred``).
    case keep

    /// The settlement of `outcome` on delivery number `deliveries` of a consumer allowing `maxDeliver`.
    ///
    /// A ``MessageOutcome/permanent(_:)`` is dead-lettered at once; a failure is redelivered after
    /// `nakDelay(deliveries)`, or after the error's own `retryAfter` (``RetryAfterProviding``, a vendor's
    /// `Retry-After`) when that is longer, until the last permitted delivery, which dead-letters it.
    package init(
        _ outcome: MessageOutcome, deliveries: Int, maxDeliver: Int, nakDelay: (Int) -> Duration
    ) {
        switch outcome {
        case .done:
            self = .acknowledge
        case .deferred:
            self = .keep
        case .permanent(let reason):
            self = .deadLetter(reason: reason)
        case .failed(let error) where error is CancellationError:
            self = .handBack
        case .failed(let error):
            if deliveries >= maxDeliver {
                self = .deadLetter(reason: "failed on all \(deliveries) deliveries; last error: \(error)")
            } else {
                let hint = (error as? any RetryAfterProviding)?.retryAfter ?? .zero
                self = .redeliver(after: max(nakDelay(deliveries), hint))
            }
        }
    }
}
