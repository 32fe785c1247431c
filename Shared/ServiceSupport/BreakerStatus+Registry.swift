import Contracts
import Resilience

extension BreakerStatus {
    /// The status of `breaker` as it stands.
    package init(_ breaker: CircuitBreaker) {
        let snapshot = breaker.snapshot
        self.init(
            name: breaker.name, state: snapshot.state.description, failureRate: snapshot.failureRate,
            bufferedCalls: snapshot.bufferedCalls, failedCalls: snapshot.failedCalls,
            notPermittedCalls: snapshot.notPermittedCalls
        )
    }

    /// Every live breaker of the process, by name.
    package static func all(in registry: CircuitBreakerRegistry = .shared) -> [BreakerStatus] {
        registry.breakers.map(BreakerStatus.init)
    }
}
