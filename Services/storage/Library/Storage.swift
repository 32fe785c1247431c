import Contracts
import Dispatch
import Foundation
import Logging
import NATSClient
import ServiceLifecycle
import ServiceSupport
import StorageDatabase

/// The `storage` service: the single writer of the database; answers storage queries.
package enum Storage: PipelineService {
    package static let abstract = "The single writer of the SQLite database; answers storage queries."
    package static let name = "storage"

    /// The database path under `DATA_DIR`.
    package static func databasePath(_ configuration: ServiceConfiguration) -> String {
        (configuration.dataDirectory as NSString).appendingPathComponent("index.sqlite")
    }

    /// Four writers (prices, rejections, index results, composition changes), the query responders and the
    /// dead-letter watcher.
    package static func parts(_ context: ServiceContext) async throws -> [any Service] {
        let environment = ProcessInfo.processInfo.environment
        let synchronous: SynchronousMode = environment["SQLITE_SYNCHRONOUS"]?.lowercased() == "normal" ? .normal : .full
        let database = try IndexDatabase(
            path: databasePath(context.configuration), synchronous: synchronous, logger: context.logger
        )
        context.logger.info("database open", metadata: ["storage.path": "\(database.path)"])
        let connection = context.connection
        let store = StorageStage(database: database, logger: context.logger) { indexes in
            // After the commit: API caches drop their answers for these indexes.
            for index in indexes {
                try? connection.publish(Subjects.indexStored(index), data: Data(index.utf8))
            }
        }
        let jetStream = context.jetStream
        let options = ConsumerRunnerOptions(batch: 64)
        func runner(_ consumer: String, _ handler: @escaping @Sendable ([JetStreamMessage]) async -> [MessageOutcome])
            -> TaskService?
        {
            guard let spec = Topology.pipeline.consumer(consumer) else { return nil }
            return ConsumerRunner(
                jetStream: jetStream, spec: spec, options: options, logger: context.logger, batchHandler: handler
            ).service
        }
        var parts: [any Service] = [
            runner(ConsumerName.storagePrices) { await store.storePrices($0) },
            runner(ConsumerName.storageRejections) { await store.storeRejections($0) },
            runner(ConsumerName.storageIndex) { await store.storeIndexResults($0) },
            runner(ConsumerName.storageComposition) { await store.storeCompositionEvents($0) },
        ].compactMap { $0 }
        let responder = QueryResponder(database: database, logger: context.logger)
        parts.append(
            TaskService(name: "storage-queries") {
                try await responder.serve(on: context.connection)
            })
        if let spec = Topology.pipeline.consumer(ConsumerName.deadLetterWatcher) {
            let watcher = ConsumerRunner(
                jetStream: jetStream, spec: spec, logger: context.logger,
                handler: DeadLetters.advisoryHandler(jetStream: jetStream, logger: context.logger)
            )
            parts.append(watcher.service)
        }
        return parts
    }
}

/// Decodes pipeline messages and writes each fetched batch of them in one transaction.
package struct StorageStage: Sendable {
    private let database: IndexDatabase
    private let logger: Logger
    private let committed: @Sendable (Set<String>) -> Void
    /// Writes happen one at a time, off the concurrency pool.
    private static let writeQueue = DispatchQueue(label: "storage.writer")

    /// A stage over `database`; `committed` is told the indexes whose results or compositions a commit changed.
    package init(
        database: IndexDatabase, logger: Logger, committed: @escaping @Sendable (Set<String>) -> Void = { _ in }
    ) {
        self.database = database
        self.logger = logger
        self.committed = committed
    }

    /// Stores validated price batches (replacing their days) with their stream sequences.
    package func storePrices(_ messages: [JetStreamMessage]) async -> [MessageOutcome] {
        await write(
            messages,
            decode: { message in
                (
                    try ValidatedBatch.decoded(from: message.data, headers: message.headers),
                    message.metadata.streamSequence
                )
            }
        ) { database, items in
            try database.storeValidated(items.map(\.0), sequences: items.map(\.1))
        }
    }

    /// Stores rejections with their reasons.
    package func storeRejections(_ messages: [JetStreamMessage]) async -> [MessageOutcome] {
        await write(messages, decode: { try RejectionBatch.decoded(from: $0.data, headers: $0.headers) }) {
            try $0.storeRejections($1)
        }
    }

    /// Stores index results (and retractions).
    package func storeIndexResults(_ messages: [JetStreamMessage]) async -> [MessageOutcome] {
        let outcomes = await write(messages, decode: { try IndexResult.decoded(from: $0.data, headers: $0.headers) }) {
            try $0.storeIndexResults($1)
        }
        notify(messages, outcomes)
        return outcomes
    }

    /// Stores composition events.
    package func storeCompositionEvents(_ messages: [JetStreamMessage]) async -> [MessageOutcome] {
        let outcomes = await write(
            messages,
            decode: {
                try CompositionEvent.decoded(from: $0.data, headers: $0.headers)
            }
        ) {
            try $0.storeCompositionEvents($1)
        }
        notify(messages, outcomes)
        return outcomes
    }

    /// Tells `committed` the indexes of the messages stored (the index is the subject's third token).
    private func notify(_ messages: [JetStreamMessage], _ outcomes: [MessageOutcome]) {
        var indexes: Set<String> = []
        for (message, outcome) in zip(messages, outcomes) {
            guard case .done = outcome else { continue }
            let tokens = message.subject.split(separator: ".")
            if tokens.count >= 3 { indexes.insert(String(tokens[2])) }
        }
        if !indexes.isEmpty { committed(indexes) }
    }

    /// Decodes every message (an undecodable one is dead-lettered), writes the rest in one transaction, and reports
    /// every decoded message done only after the commit.
    private func write<Item: Sendable>(
        _ messages: [JetStreamMessage],
        decode: (JetStreamMessage) throws -> Item,
        _ body: @escaping @Sendable (IndexDatabase, [Item]) throws -> Void
    ) async -> [MessageOutcome] {
        var outcomes = [MessageOutcome](repeating: .done, count: messages.count)
        var items: [Item] = []
        var positions: [Int] = []
        for (position, message) in messages.enumerated() {
            do {
                items.append(try decode(message))
                positions.append(position)
            } catch {
                outcomes[position] = .permanent("\(error)")
            }
        }
        guard !items.isEmpty else { return outcomes }
        let database = self.database
        let decoded = items
        do {
            try await runBlocking(on: Self.writeQueue) { try body(database, decoded) }
            logger.debug(
                "stored",
                metadata: [
                    "storage.messages": "\(items.count)",
                    "nats.stream_seq": "\(positions.map { messages[$0].metadata.streamSequence })",
                    "pipeline.subject": "\(messages.first?.subject ?? "")",
                ]
            )
        } catch {
            logger.error("write failed", metadata: ["error": "\(error)", "storage.messages": "\(items.count)"])
            guard items.count > 1 else {
                for position in positions { outcomes[position] = .failed(error) }
                return outcomes
            }
            // One bad message must not hold back the rest: write them one at a time, failing only the culprit.
            for (item, position) in zip(items, positions) {
                do {
                    try await runBlocking(on: Self.writeQueue) { try body(database, [item]) }
                } catch {
                    outcomes[position] = .failed(error)
                }
            }
        }
        return outcomes
    }
}
