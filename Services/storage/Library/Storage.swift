import Contracts
import Foundation
import Logging
import Pipeline
import ServiceLifecycle
import ServiceSupport
import StorageDatabase
import Synchronization

/// The `storage` service: the single writer of the database (SQLite, or PostgreSQL with `DATABASE_URL`); answers
/// storage requests.
package enum Storage: PipelineService {
    package static let abstract = "The single writer of the database (SQLite or PostgreSQL); answers storage queries."
    package static let name = "storage"

    /// The SQLite database has one writer: a second storage process on the same `DATA_DIR` stops at start. With
    /// PostgreSQL there is no file to guard (an invalid `DATABASE_URL` is reported when the service starts).
    package static func claimExclusively(_ configuration: ServiceConfiguration) throws -> (any Sendable)? {
        guard case .sqlite = try StorageSettings(configuration).backend else { return nil }
        return try StorageLock(dataDirectory: configuration.dataDirectory)
    }

    /// Four writers (prices, rejections, index results, composition changes), the request responders and the
    /// dead-letter watcher.
    package static func parts(_ runtime: ServiceRuntime) async throws -> [any Service] {
        let settings = try StorageSettings(runtime.configuration)
        let database = try await settings.open(logger: runtime.logger)
        runtime.logger.info(
            "database open",
            metadata: [
                "storage.backend": "\(database is SQLiteBackend ? "sqlite" : "postgres")",
                "storage.database": "\(database.location)",
            ]
        )
        runtime.readiness.add(ReadinessCheck(name: "database") { await database.isReachable() })
        let pipeline = runtime.pipeline
        // After each commit of index data: API caches drop their answers for these indexes.
        let logger = runtime.logger
        let epochs = StreamEpochCheck {
            let prices = try await pipeline.streamCreated(StreamName.pricesValid)
            let index = try await pipeline.streamCreated(StreamName.index)
            let forgotten = try await database.adoptStreamEpochs([.validatedPrices: prices, .indexResults: index])
            if !forgotten.isEmpty {
                logger.warning(
                    "stored stream sequences forgotten: the streams were made again (another JetStream store)",
                    metadata: ["nats.streams": "\(forgotten.map(\.rawValue))"]
                )
            }
        }
        let store = StorageStage(database: database, logger: runtime.logger, epochs: epochs) {
            pipeline.announceStored(indexes: $0)
        }
        let consumers: [any Service] = [
            pipeline.runner(
                StageConsumer<ValidatedBatch>(ConsumerName.storagePrices, batch: FetchSize.storedSessions) {
                    await store.storePrices($0)
                },
                logger: runtime.logger
            ).service,
            pipeline.runner(
                StageConsumer<RejectionBatch>(ConsumerName.storageRejections, batch: FetchSize.small) {
                    await store.storeRejections($0)
                },
                logger: runtime.logger
            ).service,
            pipeline.runner(
                StageConsumer<IndexResult>(ConsumerName.storageIndex, batch: FetchSize.small) {
                    await store.storeIndexResults($0)
                },
                logger: runtime.logger
            ).service,
            pipeline.runner(
                StageConsumer<CompositionEvent>(ConsumerName.storageComposition, batch: FetchSize.small) {
                    await store.storeCompositionEvents($0)
                },
                logger: runtime.logger
            ).service,
        ]
        let responder = StorageAnswers(
            database: database, logger: runtime.logger,
            builtIn: IndexDefinition.builtIn(size: runtime.configuration.indexSize)
        ) { pipeline.announceStored(indexes: $0) }.responder
        // First, so that it stops last: the consumers and responders are done with the database by then.
        var parts: [any Service] = [DatabaseService(database: database)]
        parts += consumers
        parts.append(TaskService(name: "storage-requests") { try await pipeline.serve(responder) })
        if let watcher = pipeline.deadLetterWatcher(logger: runtime.logger) { parts.append(watcher.service) }
        return parts
    }
}

/// Keeps the database open while storage runs, and closes it once everything that uses it has stopped.
struct DatabaseService: Service {
    /// The backend.
    let database: any StorageBackend

    /// Waits for shutdown, then closes the backend's connections.
    func run() async throws {
        try? await gracefulShutdown()
        await database.close()
    }
}

/// Writes each fetched batch of pipeline messages in one transaction and reports every message done only after
/// the commit: a write that throws (a constraint, PostgreSQL restarting, a statement timeout) committed nothing, so
/// its messages fail and JetStream delivers them again.
package struct StorageStage: Sendable {
    private let database: any StorageBackend
    private let logger: Logger
    private let committed: @Sendable (Set<String>) -> Void
    /// Run once before the first write: the stored stream sequences must belong to the streams in use.
    private let epochs: StreamEpochCheck?

    /// A stage over `database`; `committed` is told the indexes whose results or compositions a commit changed.
    package init(
        database: any StorageBackend, logger: Logger, epochs: StreamEpochCheck? = nil,
        committed: @escaping @Sendable (Set<String>) -> Void = { _ in }
    ) {
        self.epochs = epochs
        self.database = database
        self.logger = logger
        self.committed = committed
    }

    /// Stores validated price batches (replacing their days) with their stream positions.
    package func storePrices(_ deliveries: [Delivery<ValidatedBatch>]) async -> [MessageOutcome] {
        let outcomes = await write("store prices", deliveries) { database, batches in
            try await database.storeValidated(
                batches.map(\.message), sequences: batches.map(\.control.streamSequence)
            )
        }
        notify(outcomes.map { (Subjects.storedPrices, $0) })
        return outcomes
    }

    /// Stores rejections with their reasons.
    package func storeRejections(_ deliveries: [Delivery<RejectionBatch>]) async -> [MessageOutcome] {
        await write("store rejections", deliveries) { database, batches in
            try await database.storeRejections(batches.map(\.message))
        }
    }

    /// Stores index results (and retractions).
    package func storeIndexResults(_ deliveries: [Delivery<IndexResult>]) async -> [MessageOutcome] {
        let outcomes = await write("store index", deliveries) { database, results in
            try await database.storeIndexResults(
                results.map(\.message), sequences: results.map(\.control.streamSequence)
            )
        }
        notify(zip(deliveries.map(\.message.index), outcomes))
        return outcomes
    }

    /// Stores composition events.
    package func storeCompositionEvents(_ deliveries: [Delivery<CompositionEvent>]) async -> [MessageOutcome] {
        let outcomes = await write("store changes", deliveries) { database, events in
            try await database.storeCompositionEvents(events.map(\.message))
        }
        notify(zip(deliveries.map(\.message.index), outcomes))
        return outcomes
    }

    /// Tells `committed` the indexes of the messages stored.
    private func notify(_ stored: some Sequence<(String, MessageOutcome)>) {
        var indexes: Set<String> = []
        for (index, outcome) in stored {
            if case .done = outcome { indexes.insert(index) }
        }
        if !indexes.isEmpty { committed(indexes) }
    }

    /// Writes every delivery in one transaction (in a span named `name` per message, in the message's trace); when
    /// that fails, one at a time, so one bad message does not hold back the rest.
    private func write<Message: PipelineMessage>(
        _ name: String, _ deliveries: [Delivery<Message>],
        _ body: @escaping @Sendable (any StorageBackend, [Delivery<Message>]) async throws -> Void
    ) async -> [MessageOutcome] {
        guard !deliveries.isEmpty else { return [] }
        return await Delivery<Message>.traced(name, each: deliveries) { await write(deliveries, body) }
    }

    private func write<Message: Sendable>(
        _ deliveries: [Delivery<Message>],
        _ body: @escaping @Sendable (any StorageBackend, [Delivery<Message>]) async throws -> Void
    ) async -> [MessageOutcome] {
        let database = self.database
        do {
            try await epochs?.ensure()
        } catch {
            logger.error("the streams' creation times could not be read", metadata: ["error": "\(error)"])
            return Array(repeating: .failed(error), count: deliveries.count)
        }
        while true {
            do {
                try await Self.abandoning(after: Self.writeLimit) { try await body(database, deliveries) }
                logger.debug(
                    "stored",
                    metadata: [
                        "storage.messages": "\(deliveries.count)",
                        "nats.stream_seq": "\(deliveries.map(\.control.streamSequence))",
                    ]
                )
                return Array(repeating: .done, count: deliveries.count)
            } catch {
                logger.error(
                    "write failed",
                    metadata: [
                        "error": "\(error)", "storage.messages": "\(deliveries.count)",
                        "storage.database": "\(database.location)",
                    ]
                )
                // The database gone (PostgreSQL restarting) is no fault of the messages: the write waits for it and
                // runs again, rather than use up deliveries that end in dead letters.
                if await waitedForDatabase() { continue }
                return await writeOneByOne(deliveries, error: error, body)
            }
        }
    }

    /// How long a write may take before storage stops waiting for it (far above any healthy write's time).
    static let writeLimit = Duration.seconds(60)

    /// Runs `operation`, but stops waiting for it after `limit` and throws ``WriteAbandoned``; the operation is
    /// cancelled and left to end on its own.
    ///
    /// A write on a PostgreSQL connection that closed under it (a restart) was seen to wait forever (postgres-nio
    /// 1.33.2), holding its messages in progress for good; abandoned, they fail, and the next attempt gets another
    /// connection. A write abandoned while it still ran commits all or nothing, and writes are idempotent, so its
    /// messages delivered again change nothing more.
    static func abandoning(
        after limit: Duration, _ operation: @escaping @Sendable () async throws -> Void
    ) async throws {
        let waiting = Mutex<CheckedContinuation<Void, any Error>?>(nil)
        let finish: @Sendable (Result<Void, any Error>) -> Void = { result in
            let continuation = waiting.withLock { pending in
                defer { pending = nil }
                return pending
            }
            continuation?.resume(with: result)
        }
        var work: Task<Void, Never>?
        var timer: Task<Void, Never>?
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                waiting.withLock { $0 = continuation }
                let running = Task {
                    do {
                        try await operation()
                        finish(.success(()))
                    } catch {
                        finish(.failure(error))
                    }
                }
                work = running
                timer = Task {
                    try? await Task.sleep(for: limit)
                    guard !Task.isCancelled else { return }
                    running.cancel()
                    finish(.failure(WriteAbandoned(limit: limit)))
                }
            }
        } onCancel: {
            finish(.failure(CancellationError()))
        }
        timer?.cancel()
        _ = work
    }

    /// When the database does not answer, waits until it does (checking every second, until cancelled) and returns
    /// true; false at once when it answers.
    private func waitedForDatabase() async -> Bool {
        guard await !database.isReachable() else { return false }
        logger.warning(
            "the database does not answer: writes wait for it", metadata: ["storage.database": "\(database.location)"]
        )
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            if await database.isReachable() {
                logger.info("the database answers again", metadata: ["storage.database": "\(database.location)"])
                return !Task.isCancelled
            }
        }
        return false
    }

    /// After a batch failed with `error`: each delivery in a transaction of its own, so one bad message does not hold
    /// back the rest.
    private func writeOneByOne<Message: Sendable>(
        _ deliveries: [Delivery<Message>], error: any Error,
        _ body: @escaping @Sendable (any StorageBackend, [Delivery<Message>]) async throws -> Void
    ) async -> [MessageOutcome] {
        guard deliveries.count > 1 else { return [.failed(error)] }
        var outcomes: [MessageOutcome] = []
        for delivery in deliveries {
            do {
                try await Self.abandoning(after: Self.writeLimit) { try await body(database, [delivery]) }
                outcomes.append(.done)
            } catch {
                outcomes.append(.failed(error))
            }
        }
        return outcomes
    }
}

/// A write storage stopped waiting for (``StorageStage/abandoning(after:_:)``).
struct WriteAbandoned: Error, CustomStringConvertible {
    /// How long it was waited for.
    let limit: Duration

    var description: String { "the write did not end within \(limit): abandoned (its messages will be redelivered)" }
}

/// Makes sure, once, before storage writes anything, that the stream sequences it keeps belong to the streams in use
/// (``IndexDatabase/adoptStreamEpochs(_:)``); until that succeeds every write waits for it (and is redelivered when it
/// fails).
package actor StreamEpochCheck {
    private let check: @Sendable () async throws -> Void
    private var done = false

    /// A check running `check`.
    package init(_ check: @escaping @Sendable () async throws -> Void) { self.check = check }

    /// Runs the check unless it has succeeded before.
    package func ensure() async throws {
        guard !done else { return }
        try await check()
        done = true
    }
}
