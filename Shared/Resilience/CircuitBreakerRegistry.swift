import Synchronization

/// Every live circuit breaker of the process, so a status report can list them without each owner wiring them up.
///
/// Breakers register themselves when created and are held weakly: a breaker that its owner drops leaves the list.
package final class CircuitBreakerRegistry: Sendable {
    /// Only read and written under the registry's lock.
    private struct Entry {
        weak var breaker: CircuitBreaker?
    }

    /// The process's registry.
    package static let shared = CircuitBreakerRegistry()

    private let entries = Mutex<[Entry]>([])

    /// An empty registry (tests make their own).
    package init() {}

    /// Adds `breaker`, dropping entries whose breaker is gone.
    package func register(_ breaker: CircuitBreaker) {
        entries.withLock { entries in
            entries.removeAll { $0.breaker == nil }
            entries.append(Entry(breaker: breaker))
        }
    }

    /// The live breakers, by name (in creation order among equal names).
    package var breakers: [CircuitBreaker] {
        let live = entries.withLock { $0.compactMap(\.breaker) }
        return live.enumerated().sorted { ($0.element.name, $0.offset) < ($1.element.name, $1.offset) }.map(\.element)
    }
}
