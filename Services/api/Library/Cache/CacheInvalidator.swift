import Contracts
import Logging
import NATSClient
import ServiceLifecycle

/// Empties the response cache on every index event (a result computed, storage's commit of results, retractions
/// or compositions) and whenever the NATS connection comes back, since events may have been missed while it was
/// down. Also hands dead letters to the job runner.
package struct CacheInvalidator: Service {
    private let connection: NATSConnection
    private let cache: ResponseCache
    private let jobs: JobRunner
    private let logger: Logger

    /// An invalidator of `cache` listening on `connection`.
    package init(connection: NATSConnection, cache: ResponseCache, jobs: JobRunner, logger: Logger) {
        self.connection = connection
        self.cache = cache
        self.jobs = jobs
        self.logger = logger
    }

    package func run() async throws {
        let indexEvents = try connection.subscribe(Subjects.Wildcard.indexEvents)
        let compositionEvents = try connection.subscribe(Subjects.Wildcard.compositionChanged)
        let deadLetters = try connection.subscribe(Subjects.Wildcard.deadLetters)
        let events = connection.events()
        let cache = cache
        let jobs = jobs
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in indexEvents { cache.invalidate() }
            }
            group.addTask {
                for await _ in compositionEvents { cache.invalidate() }
            }
            group.addTask {
                for await message in deadLetters {
                    let subject = message.headers[NATSHeader.deadLetterSubject] ?? String(message.subject.dropFirst(4))
                    jobs.deadLettered(subject: subject, reason: message.headers[NATSHeader.deadLetterReason] ?? "")
                }
            }
            group.addTask {
                for await event in events where event == .reconnected { cache.invalidate() }
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
