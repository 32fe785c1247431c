import CMalloc

/// How a service process uses glibc's allocator.
///
/// glibc gives threads that allocate at the same time arenas of their own, up to eight per core, and an arena keeps
/// the memory freed into it for its next allocations. A service decodes a batch of 5,000 rows on one thread of the
/// pool and frees it on another, so during a back-fill each arena grows to the largest batches it has seen. With two
/// arenas (and smaller fetches) storage peaked at 96-108 MiB during the 10-year back-fill, against 210-262 MiB before
/// (BENCHMARKS.md, issue 15 item 4).
package enum MemoryTuning {
    /// Arenas per process unless `MALLOC_ARENA_MAX` says otherwise (glibc reads that variable itself).
    package static let defaultArenas: Int32 = 2

    /// Limits the allocator's arenas to ``defaultArenas``, unless the environment sets `MALLOC_ARENA_MAX`; returns
    /// the limit set, nil when the environment's stands. Called first thing in a service, before its threads
    /// allocate (an arena made before the call stays).
    @discardableResult
    package static func limitArenas(environment: [String: String]) -> Int32? {
        if let configured = environment["MALLOC_ARENA_MAX"], !configured.isEmpty { return nil }
        return mallopt(M_ARENA_MAX, defaultArenas) == 1 ? defaultArenas : nil
    }
}
