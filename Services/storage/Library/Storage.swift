import Contracts
import Dispatch
import Foundation
import Logging
import Pipeline
import Resilience
import ServiceLifecycle
import ServiceSupport
import StorageDatabase

/// The `storage` service: the single writer of the database; answers storage requests.
package enum Storage: PipelineService {
    package static let abstract = "The single writer of the SQLite database; answers storage queries."
    package static let name = "storage"

    /// The SQLite database has one writer: a second storage process on the same `DATA_DIR` stops at start.
    package static func claimExclusively(_ configuration: ServiceConfiguration) throws -> (any Sendable)? {
        try StorageLock(dataDirectory: configuration.dataDirectory)
    }

    /// Four writers (prices, rejections, index results, composition changes), the request responders and the
    /// dead-letter watcher.
    package static func parts(_ runtime: ServiceRuntime) async throws -> [any Service] {
        let settings = try StorageSettings(runtime.configuration)
        let database = try IndexDatabase(
            path: settings.databasePath, synchronous: settings.synchronous, logger: runtime.logger
        )
        runtime.logger.info("database open", metadata: ["storage.path": "\(database.path)"])
        let pipeline = runtime.pipeline
        // After each commit of index data: API caches drop their answers for these indexes.
        let logger = runtime.logger
        let epochs = StreamEpochCheck {
            let prices = try await pipeline.streamCreated(StreamName.pricesValid)
            let index = try await pipeline.streamCreated(StreamName.index)
            let forgotten = try await runBlocking {
                try database.adoptStreamEpochs([.validatedPrices: prices, .indexResults: index])
            }
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
                StageConsumer<ValidatedBatch>(ConsumerName.storagePrices, batch: 64) { await store.storePrices($0) },
                logger: runtime.logger
            ).service,
            pipeline.runner(
                StageConsumer<RejectionBatch>(ConsumerName.storageRejections, batch: 64) {
                    await store.storeRejections($0)
                },
                logger: runtime.logger
            ).service,
            pipeline.runner(
                StageConsumer<IndexResult>(ConsumerName.storageIndex, batch: 64) { await store.storeIndexResults($0) },
                logger: runtime.logger
            ).service,
            pipeline.runner(
                StageConsumer<CompositionEvent>(ConsumerName.storageComposition, batch: 64) {
                    await store.storeCompositionEvents($0)
                },
                logger: runtime.logger
            ).service,
        ]
        let responder = StorageAnswers(
            database: database, logger: runtime.logger,
            builtIn: IndexDefinition.builtIn(size: runtime.configuration.indexSize)
        ) { pipeline.announceStored(indexes: $0) }.responder
        var parts = consumers
        parts.append(TaskService(name: "storage-requests") { try await pipeline.serve(responder) })
        if let watcher = pipeline.deadLetterWatcher(logger: runtime.logger) { parts.append(watcher.service) }
        return parts
    }
}

/// Writes each fetched batch of pipeline messages in one transaction and reports every message done only after
/// the commit.
package struct StorageStage: Sendable {
    private let database: IndexDatabase
    private let logger: Logger
    private let committed: @Sendable (Set<String>) -> Void
    /// Run once before the first write: the stored stream sequences must belong to the streams in use.
    private let epochs: StreamEpochCheck?
    /// Writes happen one at a time, off the concurrency pool.
    private static let writeQueue = DispatchQueue(label: "storage.writer")

    /// A stage over `database`; `committed` is told the indexes whose results or compositions a commit changed.
    package init(
        database: IndexDatabase, logger: Logger, epochs: StreamEpochCheck? = nil,
        committed: @escaping @Sendable (Set<String>) -> Void = { _ in }
    ) {
        self.epochs = epochs
        self.database = database
        self.logger = logger
        self.committed = committed
    }

    /// Stores validated price batches (replacing their days) with their stream positions.
    package func storePrices(_ deliveries: [Delivery<ValidatedBatch>]) async -> [MessageOutcome] {
        let outcomes = await write(deliveries) { database, batches in
            try database.storeValidated(batches.map(\.message), sequences: batches.map(\.control.streamSequence))
        }
        notify(outcomes.map { (Subjects.storedPrices, $0) })
        return outcomes
    }

    /// Stores rejections with their reasons.
    package func storeRejections(_ deliveries: [Delivery<RejectionBatch>]) async -> [MessageOutcome] {
        await write(deliveries) { database, batches in try database.storeRejections(batches.map(\.message)) }
    }

    /// Stores index results (and retractions).
    package func storeIndexResults(_ deliveries: [Delivery<IndexResult>]) async -> [MessageOutcome] {
        let outcomes = await write(deliveries) { database, results in
            try database.storeIndexResults(results.map(\.message), sequences: results.map(\.control.streamSequence))
        }
        notify(zip(deliveries.map(\.message.index), outcomes))
        return outcomes
    }

    /// Stores composition events.
    package func storeCompositionEvents(_ deliveries: [Delivery<CompositionEvent>]) async -> [MessageOutcome] {
        let outcomes = await write(deliveries) { database, events in
            try database.storeCompositionEvents(events.map(\.message))
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

    /// Writes every delivery in one transaction; when that fails, one at a time, so one bad message does not hold
    /// back the rest.
    private func write<Message: Sendable>(
        _ deliveries: [Delivery<Message>],
        _ body: @escaping @Sendable (IndexDatabase, [Delivery<Message>]) throws -> Void
    ) async -> [MessageOutcome] {
        guard !deliveries.isEmpty else { return [] }
        let database = self.database
        do {
            try await epochs?.ensure()
        } catch {
            logger.error("the streams' creation times could not be read", metadata: ["error": "\(error)"])
            return Array(repeating: .failed(error), count: deliveries.count)
        }
        do {
            try await runBlocking(on: Self.writeQueue) { try body(database, deliveries) }
            logger.debug(
                "stored",
                metadata: [
                    "storage.messages": "\(deliveries.count)",
                    "nats.stream_seq": "\(deliveries.map(\.control.streamSequence))",
                ]
            )
            return Array(repeating: .done, count: deliveries.count)
        } catch {
            logger.error("write failed", metadata: ["error": "\(error)", "storage.messages": "\(deliveries.count)"])
            guard deliveries.count > 1 else { return [.failed(error)] }
            var outcomes: [MessageOutcome] = []
            for delivery in deliveries {
                do {
                    try await runBlocking(on: Self.writeQueue) { try body(database, [delivery]) }
                    outcomes.append(.done)
                } catch {
                    outcomes.append(.failed(error))
                }
            }
            return outcomes
        }
    }
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
