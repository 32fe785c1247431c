import ServiceLifecycle

/// Empties the response cache whenever answers go stale (an index result computed, storage's commit of results,
/// retractions or compositions, a reconnect after which events may have been missed), until shutdown; then stops
/// following jobs.
package struct CacheInvalidator: Service {
    private let staleness: AsyncStream<Void>
    private let cache: ResponseCache
    private let directory: IndexDirectory
    private let jobs: JobRunner

    /// An invalidator of `cache` listening to `staleness`.
    package init(staleness: AsyncStream<Void>, cache: ResponseCache, directory: IndexDirectory, jobs: JobRunner) {
        self.staleness = staleness
        self.cache = cache
        self.directory = directory
        self.jobs = jobs
    }

    package func run() async throws {
        let cache = cache
        let staleness = staleness
        let directory = directory
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in staleness {
                    cache.invalidate()
                    await directory.invalidate()
                }
            }
            group.addTask {
                try? await gracefulShutdown()
            }
            await group.next()
            group.cancelAll()
        }
        await jobs.stop()
    }
}
