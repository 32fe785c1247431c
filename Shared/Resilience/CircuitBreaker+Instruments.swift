import Metrics

extension CircuitBreaker {
    /// The breaker's metrics, all created up front so calls only touch existing handlers.
    struct Instruments: Sendable {
        private struct Edge: Hashable {
            let from: State
            let to: State
        }

        private let state: Gauge
        private let transitions: [Edge: Counter]
        private let outcomes: [Outcome: Counter]
        private let notPermitted: Counter

        /// Creates every series of breaker `name` through `factory` and sets the state gauge to closed.
        init(name: String, factory: any MetricsFactory) {
            state = Gauge(label: "circuit_breaker_state", dimensions: [("name", name)], factory: factory)
            var transitions: [Edge: Counter] = [:]
            for from in State.allCases {
                for to in State.allCases where to != from {
                    transitions[Edge(from: from, to: to)] = Counter(
                        label: "circuit_breaker_transitions_total",
                        dimensions: [("name", name), ("from", from.description), ("to", to.description)],
                        factory: factory
                    )
                }
            }
            self.transitions = transitions
            func calls(_ outcome: String) -> Counter {
                Counter(
                    label: "circuit_breaker_calls_total",
                    dimensions: [("name", name), ("outcome", outcome)],
                    factory: factory
                )
            }
            var outcomes: [Outcome: Counter] = [:]
            for outcome in Outcome.allCases {
                outcomes[outcome] = calls(outcome.rawValue)
            }
            self.outcomes = outcomes
            notPermitted = calls("not_permitted")
            state.record(State.closed.metricValue)
        }

        /// Exports a state change.
        func transitioned(from: State, to: State) {
            transitions[Edge(from: from, to: to)]?.increment()
            state.record(to.metricValue)
        }

        /// Counts a completed call.
        func completed(_ outcome: Outcome) {
            outcomes[outcome]?.increment()
        }

        /// Counts a rejected call.
        func rejected() {
            notPermitted.increment()
        }
    }
}
