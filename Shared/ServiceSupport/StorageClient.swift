import Contracts
import Foundation
import Logging
import Metrics
import NATSClient
import Resilience

/// Asks storage over NATS request/reply, through retry and a circuit breaker.
package final class StorageClient: Sendable {
    private let connection: NATSConnection
    private let resilient: Resilient
    private let timeout: Duration
    private let latency: Metrics.Timer
    private let errors: Counter

    /// A client on `connection`; each request waits at most `timeout`; `name` names its circuit breaker.
    package init(
        connection: NATSConnection, logger: Logger, timeout: Duration = .seconds(10), attempts: Int = 5,
        name: String = "storage"
    ) {
        self.connection = connection
        self.timeout = timeout
        let transportFailure: @Sendable (any Error) -> Bool = { error in
            switch error as? NATSError {
            case .remote?: false
            case nil: false
            default: true
            }
        }
        let breaker = CircuitBreaker(
            name: name,
            configuration: .init(
                failureRateThreshold: 50, slidingWindowSize: 20, minimumNumberOfCalls: 10,
                waitDurationInOpenState: .seconds(5), permittedNumberOfCallsInHalfOpenState: 3,
                recordError: transportFailure
            ),
            logger: logger
        )
        resilient = Resilient(
            policy: RetryPolicy(
                maxAttempts: attempts, initialDelay: .milliseconds(100), maxDelay: .seconds(2),
                shouldRetry: { transportFailure($0) }
            ),
            breaker: breaker,
            logger: logger
        )
        latency = Metrics.Timer(label: "storage_request_duration_seconds")
        errors = Counter(label: "storage_request_errors_total")
    }

    /// The circuit breaker's state, for status reports.
    package var breakerState: CircuitBreaker.State { resilient.breaker.state }

    /// Sends `query` and decodes the reply.
    package func ask<Query: StorageQuery>(_ query: Query) async throws -> Query.Reply {
        let started = ContinuousClock.now
        let subject = Subjects.storageQuery(Query.kind)
        let body = try query.encoded()
        let headers = query.headers
        do {
            let reply = try await resilient.run { [connection, timeout] in
                try await connection.request(subject, data: body, headers: headers, timeout: timeout)
            }
            latency.record(duration: ContinuousClock.now - started)
            return try Query.Reply.decoded(from: reply.data, headers: reply.headers)
        } catch {
            errors.increment()
            throw error
        }
    }
}
