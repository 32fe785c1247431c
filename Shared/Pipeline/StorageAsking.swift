import Contracts
import Foundation
import Logging
import Metrics
import NATSClient
import Resilience
import Tracing

/// Asking storage: a query (a read) or a command (a backup), answered with its typed reply. A reply too large for
/// one broker message arrives in parts and is reassembled before it is decoded.
///
/// Failures are ``PipelineError``s: `unavailable` when storage cannot be reached (no responder, a timeout, the
/// broker down, the breaker open, retries exhausted), `refused` when storage answered with an error.
package protocol StorageAsking: Sendable {
    /// Sends `query` and returns storage's reply.
    func ask<Query: StorageQuery>(_ query: Query) async throws -> Query.Reply
    /// Sends `command`, waiting at most `timeout` for it to finish (commands can take long), without retrying.
    func send<Command: StorageCommand>(_ command: Command, timeout: Duration) async throws -> Command.Reply
}

/// ``StorageAsking`` over NATS request/reply, through retry and a circuit breaker.
package final class NATSStorageClient: StorageAsking {
    private let connection: NATSConnection
    private let resilient: Resilient
    private let timeout: Duration
    private let latency: Metrics.Timer
    private let errors: Counter

    /// A client on `connection`; each attempt waits at most `timeout`; `name` names its circuit breaker.
    package init(
        connection: NATSConnection, logger: Logger, timeout: Duration = .seconds(10), attempts: Int = 5,
        name: String = "storage"
    ) {
        self.connection = connection
        self.timeout = timeout
        let breaker = CircuitBreaker(
            name: name,
            configuration: .init(
                failureRateThreshold: 50, slidingWindowSize: 20, minimumNumberOfCalls: 10,
                waitDurationInOpenState: .seconds(5), permittedNumberOfCallsInHalfOpenState: 3,
                recordError: Self.isTransportFailure
            ),
            logger: logger
        )
        resilient = Resilient(
            policy: RetryPolicy(
                maxAttempts: attempts, initialDelay: .milliseconds(100), maxDelay: .seconds(2),
                shouldRetry: Self.isTransportFailure
            ),
            breaker: breaker,
            logger: logger
        )
        latency = Metrics.Timer(label: "storage_request_duration_seconds")
        errors = Counter(label: "storage_request_errors_total")
    }

    /// The circuit breaker's state, for status reports.
    package var breakerState: CircuitBreaker.State { resilient.breaker.state }

    package func ask<Query: StorageQuery>(_ query: Query) async throws -> Query.Reply {
        try await request(query, timeout: timeout, resilient: true)
    }

    package func send<Command: StorageCommand>(_ command: Command, timeout: Duration) async throws -> Command.Reply {
        try await request(command, timeout: timeout, resilient: false)
    }

    private func request<Request: StorageRequest>(
        _ request: Request, timeout: Duration, resilient retried: Bool
    ) async throws -> Request.Reply {
        // The asker's span: storage's "storage query" span is its child, in the asker's trace.
        try await withSpan("ask storage", ofKind: .client) { span in
            if span.isRecording { span.attributes["storage.request"] = Request.kind.rawValue }
            return try await self.request(request, timeout: timeout, resilient: retried, span: span)
        }
    }

    private func request<Request: StorageRequest>(
        _ request: Request, timeout: Duration, resilient retried: Bool, span: any Span
    ) async throws -> Request.Reply {
        let started = ContinuousClock.now
        let subject = Subjects.storageRequest(Request.kind)
        let body = try request.encoded()
        var traced = [schemaHeader: Request.schemaTag]
        TraceHeaders.inject(span.context, into: &traced)
        let headers = traced
        let connection = self.connection
        let reply: NATSMessage
        do {
            let attempt: @Sendable () async throws -> NATSMessage = {
                try await connection.request(subject, data: body, headers: headers, timeout: timeout)
            }
            reply = retried ? try await resilient.run(attempt) : try await attempt()
        } catch {
            errors.increment()
            throw Self.pipelineError(error)
        }
        latency.record(duration: ContinuousClock.now - started)
        do {
            return try Request.Reply.decoded(from: reply.data, schemaTag: reply.headers[schemaHeader])
        } catch {
            errors.increment()
            throw PipelineError.malformedReply(dependency: "storage", reason: "\(error)")
        }
    }

    /// Whether a failure is the transport's (worth another attempt, and counted by the breaker) rather than
    /// storage's own answer.
    @Sendable static func isTransportFailure(_ error: any Error) -> Bool {
        switch error as? NATSError {
        case .remote?: false
        case nil: false
        default: true
        }
    }

    /// The domain error for what the transport or the resilience layer threw.
    static func pipelineError(_ error: any Error) -> any Error {
        switch error {
        case let error as RetryError: return pipelineError(error.lastError)
        case let error as CircuitBreakerError:
            return PipelineError.unavailable(dependency: "storage", reason: error.description)
        case NATSError.remote(_, let message): return PipelineError.refused(dependency: "storage", reason: message)
        case let error as NATSError: return PipelineError.unavailable(dependency: "storage", reason: error.description)
        default: return error
        }
    }
}
