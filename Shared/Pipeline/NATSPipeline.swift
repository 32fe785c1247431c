import Contracts
import Foundation
import Logging
import NATSClient
import Resilience

/// The pipeline over NATS JetStream: publishing, asking storage, following runs, consuming and serving, and the
/// announcements that keep caches honest. Every service and tool talks to the others through one of these.
package final class NATSPipeline: PipelinePublishing, PipelineProbe, Sendable {
    /// The connection (for the host's own health pings and connection events).
    package let connection: NATSConnection
    /// JetStream on it.
    package let jetStream: JetStream
    /// Storage, through retry and a breaker.
    package let storage: NATSStorageClient
    /// The dead letters seen since ``watchDeadLetters()``.
    package let deadLetters: DeadLetterFeed
    /// The logger of the process it serves.
    package let logger: Logger

    private let payloadLimitOverride: Int?

    /// The pipeline on `connection`; `storage` defaults to a client with the usual retries. `payloadLimit` lowers
    /// the size at which a session is split into chunks (the server's limit by default).
    package init(
        connection: NATSConnection, logger: Logger, storage: NATSStorageClient? = nil, payloadLimit: Int? = nil
    ) throws {
        self.connection = connection
        self.payloadLimitOverride = payloadLimit
        self.jetStream = try connection.jetStream()
        self.storage = storage ?? NATSStorageClient(connection: connection, logger: logger)
        self.deadLetters = DeadLetterFeed()
        self.logger = logger
    }

    // MARK: Publishing

    package var payloadLimit: Int { payloadLimitOverride ?? max(64 * 1024, connection.maxPayload - 16 * 1024) }

    package func publish<Message: PipelineMessage>(_ message: Message) async throws {
        try await publish(message, encoded: try message.encoded())
    }

    package func publish<Message: PipelineMessage>(_ message: Message, encoded body: Data) async throws {
        var headers = [schemaHeader: Message.schemaTag]
        TraceHeaders.inject(into: &headers)
        do {
            _ = try await jetStream.publish(
                message.subject, data: body, headers: headers, messageID: message.messageID(body: body)
            )
        } catch let error as NATSError {
            throw PipelineError.unavailable(dependency: "NATS JetStream", reason: error.description)
        }
    }

    /// Tells every cache that storage committed new data for `indexes` (core NATS, after the commit).
    package func announceStored(indexes: Set<String>) {
        for index in indexes {
            try? connection.publish(Subjects.indexStored(index), data: Data(index.utf8))
        }
    }

    // MARK: Following

    /// Starts collecting dead letters; call before publishing anything a follower waits for.
    package func watchDeadLetters() throws {
        try deadLetters.start(on: connection)
    }

    /// A follower over this pipeline (dead letters count from ``watchDeadLetters()`` on).
    package func follower(pollInterval: Duration = .milliseconds(200)) -> ReplayFollower {
        ReplayFollower(storage: storage, probe: self, deadLetters: deadLetters, pollInterval: pollInterval)
    }

    package func isReplayPending(_ replayID: String) async throws -> Bool {
        // The replay stream is a work queue: the fetcher's acknowledgement removes the request.
        try await transport {
            try await jetStream.lastMessage(stream: StreamName.replay, subject: Subjects.replayRequested(replayID))
                != nil
        }
    }

    package func isDrained() async throws -> Bool {
        for consumer in Topology.pipeline.stageConsumers where !(try await isIdle(consumer: consumer.durable)) {
            return false
        }
        return true
    }

    package func isIdle(consumer: String) async throws -> Bool {
        guard let spec = Topology.pipeline.consumer(consumer) else { return true }
        return try await transport {
            try await jetStream.consumerState(stream: spec.stream, durable: spec.durable).isIdle
        }
    }

    package func lastSequence(stream: String) async throws -> UInt64 {
        try await transport { try await jetStream.streamState(stream).lastSequence }
    }

    package func acknowledgedThrough(consumer: String) async throws -> UInt64 {
        guard let spec = Topology.pipeline.consumer(consumer) else { return 0 }
        return try await transport {
            try await jetStream.consumerState(stream: spec.stream, durable: spec.durable).ackFloorStreamSequence
        }
    }

    /// The latest saved state of a job, or nil.
    package func latestJob(_ id: String) async throws -> JobRecord? {
        try await transport {
            guard
                let message = try await jetStream.lastMessage(stream: StreamName.jobs, subject: Subjects.jobState(id))
            else { return nil }
            return try JobRecord.decoded(from: message.data, schemaTag: message.headers[schemaHeader])
        }
    }

    /// When a stream of the pipeline was created (nanoseconds since 1970): another value means another stream, whose
    /// sequences started over.
    package func streamCreated(_ stream: String) async throws -> Int64 {
        try await transport { try await jetStream.streamState(stream).created }
    }

    /// Every job the `JOBS` stream holds (its retention: 30 days), each at its latest state, in no order.
    package func jobs() async throws -> [JobRecord] {
        try await transport {
            let subjects = try await jetStream.subjects(stream: StreamName.jobs, filter: Subjects.Wildcard.jobStates)
            var jobs: [JobRecord] = []
            for subject in subjects.keys {
                guard let message = try await jetStream.lastMessage(stream: StreamName.jobs, subject: subject) else {
                    continue
                }
                jobs.append(try JobRecord.decoded(from: message.data, schemaTag: message.headers[schemaHeader]))
            }
            return jobs
        }
    }

    // MARK: Consuming and serving

    /// The runner of a stage: fetch, decode, hand to the stage, then ack, redeliver or dead-letter.
    package func runner<Message>(
        _ stage: StageConsumer<Message>, options: ConsumerRunnerOptions? = nil, logger: Logger
    ) -> ConsumerRunner {
        let handler = stage.handler
        return ConsumerRunner(
            jetStream: jetStream, spec: stage.consumer, options: options ?? ConsumerRunnerOptions(batch: stage.batch),
            logger: logger, batchHandler: { await StageConsumer<Message>.handle($0, with: handler) }
        )
    }

    /// The watcher that dead-letters messages whose deliveries ran out without a final answer (storage runs it).
    package func deadLetterWatcher(logger: Logger) -> ConsumerRunner? {
        guard let spec = Topology.pipeline.consumer(ConsumerName.deadLetterWatcher) else { return nil }
        return ConsumerRunner(
            jetStream: jetStream, spec: spec, logger: logger,
            handler: DeadLetters.advisoryHandler(jetStream: jetStream, logger: logger)
        )
    }

    /// Answers storage requests with `responder` until cancelled.
    package func serve(_ responder: StorageResponder, concurrency: Int = 4) async throws {
        try await responder.serve(on: connection, concurrency: concurrency)
    }

    /// Every message on core NATS `subject` (storage's notices of its commits), until the stream is dropped.
    package func notices(_ subject: String) throws -> AsyncStream<Void> {
        let subscription = try connection.subscribe(subject)
        return AsyncStream { continuation in
            let task = Task {
                for await _ in subscription { continuation.yield() }
                continuation.finish()
            }
            continuation.onTermination = { _ in
                task.cancel()
                subscription.unsubscribe()
            }
        }
    }

    /// Everything that makes cached answers stale, as it happens: index results computed, storage's commits and
    /// composition changes, and a reconnect (events may have been missed while the connection was down).
    package func staleness() throws -> AsyncStream<Void> {
        let subscriptions = [
            try connection.subscribe(Subjects.Wildcard.indexEvents),
            try connection.subscribe(Subjects.Wildcard.compositionChanged),
        ]
        let events = connection.events()
        return AsyncStream { continuation in
            let task = Task {
                await withTaskGroup(of: Void.self) { group in
                    for subscription in subscriptions {
                        group.addTask { for await _ in subscription { continuation.yield() } }
                    }
                    group.addTask { for await event in events where event == .reconnected { continuation.yield() } }
                    await group.waitForAll()
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in
                task.cancel()
                for subscription in subscriptions { subscription.unsubscribe() }
            }
        }
    }

    /// Runs a broker call, turning its failure into the domain's.
    func transport<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as NATSError {
            throw PipelineError.unavailable(dependency: "NATS JetStream", reason: error.description)
        }
    }
}
