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

/// Owns C strings for the duration of a libnats call whose config structs borrow them.
final class CStrings {
    private var pointers: [UnsafeMutablePointer<CChar>] = []

    /// A copy of `text` that lives as long as this object.
    func callAsFunction(_ text: String) -> UnsafePointer<CChar> {
        let pointer = strdup(text)!
        pointers.append(pointer)
        return UnsafePointer(pointer)
    }

    /// A copy of `text`, or nil.
    func optional(_ text: String?) -> UnsafePointer<CChar>? {
        text.map { self($0) }
    }

    deinit { for pointer in pointers { free(pointer) } }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
