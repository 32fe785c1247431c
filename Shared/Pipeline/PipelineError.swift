import Contracts
import Resilience

/// What went wrong between the services, in the words of the domain: the pipeline layer turns every transport
/// failure (no responder, a timeout, a lost connection, an open breaker, retries exhausted) into one of these, so
/// no caller matches a broker's errors.
package enum PipelineError: Error, CustomStringConvertible, RetryAfterProviding {
    /// A dependency (storage, the broker) cannot be reached now; trying again later may work.
    case unavailable(dependency: String, reason: String)
    /// The dependency answered, with an error of its own: asking again the same way will not help.
    case refused(dependency: String, reason: String)
    /// The answer could not be read.
    case malformedReply(dependency: String, reason: String)

    /// One line for logs and operators.
    package var description: String {
        switch self {
        case .unavailable(let dependency, let reason): "\(dependency) is unavailable: \(reason)"
        case .refused(let dependency, let reason): "\(dependency) refused the request: \(reason)"
        case .malformedReply(let dependency, let reason): "\(dependency) sent an unreadable answer: \(reason)"
        }
    }

    /// Whether waiting may fix it.
    package var isTransient: Bool {
        if case .unavailable = self { return true }
        return false
    }

    /// A second for an unreachable dependency (an open breaker lets a trial call through within seconds).
    package var retryAfter: Duration? { isTransient ? .seconds(1) : nil }
}

/// A message that does not decode (malformed, another schema, a version this build does not read) will not decode
/// on a redelivery either: it is dead-lettered at once.
extension ContractError: PermanentError {}
