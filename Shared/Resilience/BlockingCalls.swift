import Dispatch

/// Runs a blocking call (libnats, SQLite) off the Swift concurrency pool.
///
/// The cooperative pool has one thread per core (two here); a fetch that blocks for a second on one of them
/// would stall every other task in the process, so blocking calls hop to a Dispatch queue.
package func runBlocking<T: Sendable>(
    on queue: DispatchQueue = .global(qos: .userInitiated),
    _ body: @escaping @Sendable () throws -> T
) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        queue.async { continuation.resume(with: Result { try body() }) }
    }
}
