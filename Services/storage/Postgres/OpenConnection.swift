import PostgresNIO
import Synchronization

/// Work on one PostgreSQL connection that ends, with ``PostgresBackendError/connectionClosed``, as soon as the
/// connection closes, whether or not the work has returned.
///
/// postgres-nio 1.33 sends a query to its channel without a write promise. A query issued while the server is
/// ending the connection (PostgreSQL restarting between two statements of a transaction) is dropped with the
/// closed channel, and the await on its answer never returns: a write in flight would hang storage instead of
/// failing and being redelivered. Racing the work against the connection's close turns that wait into an error.
/// The abandoned work ends when its last query does (or never, holding nothing but its own task): the caller has
/// returned, so the pooled connection goes back to the pool, which drops it as closed.
package enum OpenConnection {
    /// Runs `body` on `connection` until it returns or the connection closes, whichever comes first; cancelling the
    /// caller cancels `body`. A connection closed already fails at once, `body` not run.
    package static func run<T: Sendable>(
        _ connection: PostgresConnection, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        guard !connection.isClosed else { throw PostgresBackendError.connectionClosed }
        let race = Race<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                race.start(continuation) {
                    Task {
                        do {
                            race.finish(.success(try await body(connection)))
                        } catch {
                            race.finish(.failure(error))
                        }
                    }
                }
                connection.closeFuture.whenComplete { _ in
                    race.finish(.failure(PostgresBackendError.connectionClosed))
                }
            }
        } onCancel: {
            race.cancel()
        }
    }

    /// The first outcome of the work or the close, delivered once; the work's task, to cancel.
    private final class Race<T: Sendable>: Sendable {
        /// What is known so far.
        private struct State {
            /// Waiting for the first outcome; nil once delivered.
            var continuation: CheckedContinuation<T, any Error>?
            /// The task running the work.
            var work: Task<Void, Never>?
            /// The caller was cancelled before the work started.
            var cancelled = false
        }

        private let state = Mutex(State())

        /// Keeps `continuation`, then starts the work with `launch` (cancelled at once if the caller already was).
        func start(_ continuation: CheckedContinuation<T, any Error>, launch: () -> Task<Void, Never>) {
            state.withLock { $0.continuation = continuation }
            let work = launch()
            let cancelled = state.withLock { state in
                state.work = work
                return state.cancelled
            }
            if cancelled { work.cancel() }
        }

        /// Delivers `outcome` unless one was delivered already.
        func finish(_ outcome: Result<T, any Error>) {
            let continuation = state.withLock { state in
                defer { state.continuation = nil }
                return state.continuation
            }
            continuation?.resume(with: outcome)
        }

        /// Cancels the work (now, or as soon as it starts).
        func cancel() {
            let work = state.withLock { state in
                state.cancelled = true
                return state.work
            }
            work?.cancel()
        }
    }
}
