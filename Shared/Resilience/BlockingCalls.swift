import Dispatch

/// Runs a blocking call (libnats, SQLite) off the Swift concurrency pool.
///
/// The cooperative pool has one thread per core (two here); a fetch that blocks for a second on one of them
/// would stall every other task in the process, so blocking calls hop to a Dispatch queue.
///
/// Without `queue`, each call gets a serial queue of its own. That is on purpose: libdispatch on Linux runs the
/// global concurrent queues on a pool about as wide as the machine, which it widens only slowly (about four threads
/// a second) when their work blocks. Twenty one-second waits there took five seconds, not one; with every NATS
/// publish, request and acknowledgement waiting behind the slow ones (a request timing out while a server is down),
/// a whole process stalled for a minute. A new serial queue runs on the overcommitting pool instead, which starts a
/// thread whenever none is idle, so one slow call never holds up another.
package func runBlocking<T: Sendable>(
    on queue: DispatchQueue? = nil,
    _ body: @escaping @Sendable () throws -> T
) async throws -> T {
    let queue = queue ?? DispatchQueue(label: "blocking-call")
    return try await withCheckedThrowingContinuation { continuation in
        queue.async { continuation.resume(with: Result { try body() }) }
    }
}
