import Foundation
import Logging
import Metrics
import NATSClient
import Resilience

/// What became of one message of a batch handed to a batch handler.
package enum MessageOutcome: Sendable {
    /// The effect is durable: acknowledge.
    case done
    /// It failed; redeliver (or dead-letter on the last delivery) with this error as the reason.
    case failed(any Error)
    /// It can never be handled: dead-letter now with this reason.
    case permanent(String)
    /// The handler keeps the message and will end it itself (for example a chunk waiting for its siblings).
    case deferred

    /// The outcome of running `body`: returning is `done`, a ``PermanentError`` is `permanent`, any other error is
    /// `failed`.
    package static func of(
        isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> Void
    ) async -> MessageOutcome {
        do {
            try await body()
            return .done
        } catch let failure as any PermanentError {
            return .permanent(failure.description)
        } catch {
            return .failed(error)
        }
    }
}

/// How a ``ConsumerRunner`` fetches and retries.
package struct ConsumerRunnerOptions: Sendable {
    /// Messages fetched at once.
    package var batch: Int
    /// How long one fetch waits for messages; also bounds how long a shutdown waits for the loop.
    package var expires: Duration
    /// The redelivery delay after a failed delivery, by delivery count (1 after the first failure).
    package var nakDelay: @Sendable (Int) -> Duration
    /// How often a long handler tells the server it is still working; nil: a third of the ack wait.
    package var inProgressInterval: Duration?

    /// Options: one message at a time, one-second fetches, exponential redelivery delay capped at 30 s.
    package init(
        batch: Int = 1,
        expires: Duration = .seconds(1),
        nakDelay: @escaping @Sendable (Int) -> Duration = { deliveries in
            .milliseconds(min(30_000, 250 << min(deliveries - 1, 8)))
        },
        inProgressInterval: Duration? = nil
    ) {
        self.batch = batch
        self.expires = expires
        self.nakDelay = nakDelay
        self.inProgressInterval = inProgressInterval
    }
}

/// Runs a handler over a durable pull consumer until cancelled.
///
/// A message is acknowledged only after the handler returns, so the handler must make its effect durable
/// (a committed write, a publish acknowledged downstream) before returning. A ``PermanentError`` dead-letters
/// the message at once; any other error asks for redelivery with a delay, and the last permitted delivery
/// dead-letters it to `dlq.<subject>` with the reason.
package final class ConsumerRunner: Sendable {
    /// The consumer this runner reads.
    package let spec: ConsumerSpec
    private let jetStream: JetStream
    private let options: ConsumerRunnerOptions
    private let logger: Logger
    private let handler: @Sendable ([JetStreamMessage]) async -> [MessageOutcome]
    private let acked: Counter
    private let naked: Counter
    private let deadLettered: Counter
    private let failedAcks: Counter
    private let duration: Metrics.Timer
    /// Messages the consumer had still to deliver after the last one fetched (its lag; the alert rules watch it).
    private let pending: Gauge

    /// A runner handling one message at a time; call ``run()`` in a task.
    ///
    /// The handler returning is `done`; throwing a ``PermanentError`` is `permanent`; any other error is `failed`.
    package convenience init(
        jetStream: JetStream,
        spec: ConsumerSpec,
        options: ConsumerRunnerOptions = ConsumerRunnerOptions(),
        logger: Logger,
        handler: @escaping @Sendable (JetStreamMessage) async throws -> Void
    ) {
        self.init(
            jetStream: jetStream, spec: spec, options: options, logger: logger,
            batchHandler: { messages in
                var outcomes: [MessageOutcome] = []
                for message in messages {
                    outcomes.append(await MessageOutcome.of { try await handler(message) })
                }
                return outcomes
            })
    }

    /// A runner handing each fetched batch to `batchHandler` at once (one transaction for many messages); the
    /// handler returns one outcome per message, in order.
    package init(
        jetStream: JetStream,
        spec: ConsumerSpec,
        options: ConsumerRunnerOptions = ConsumerRunnerOptions(),
        logger: Logger,
        batchHandler: @escaping @Sendable ([JetStreamMessage]) async -> [MessageOutcome]
    ) {
        self.jetStream = jetStream
        self.spec = spec
        self.options = options
        var logger = logger
        logger[metadataKey: "nats.consumer"] = "\(spec.durable)"
        self.logger = logger
        self.handler = batchHandler
        let label = "nats_consumer_messages_total"
        acked = Counter(label: label, dimensions: [("consumer", spec.durable), ("outcome", "ack")])
        naked = Counter(label: label, dimensions: [("consumer", spec.durable), ("outcome", "nak")])
        deadLettered = Counter(label: label, dimensions: [("consumer", spec.durable), ("outcome", "dead_letter")])
        failedAcks = Counter(label: label, dimensions: [("consumer", spec.durable), ("outcome", "ack_failed")])
        duration = Metrics.Timer(
            label: "nats_consumer_handler_duration_seconds", dimensions: [("consumer", spec.durable)])
        pending = Gauge(label: "nats_consumer_pending_messages", dimensions: [("consumer", spec.durable)])
    }

    /// Fetches and handles messages until the task is cancelled; survives disconnects and a missing consumer.
    package func run() async throws {
        let consumer = try await bind()
        defer { consumer.close() }
        var failures = 0
        while !Task.isCancelled {
            let messages: [JetStreamMessage]
            do {
                messages = try await consumer.fetch(batch: options.batch, expires: options.expires)
                failures = 0
            } catch {
                if jetStream.connection.isClosed { return }
                failures += 1
                if failures == 1 || failures % 30 == 0 {
                    logger.warning("fetch failed; retrying", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: .milliseconds(min(2000, 100 * failures)))
                continue
            }
            guard !messages.isEmpty else { continue }
            if Task.isCancelled {
                // Hand back what was fetched but not started, so it is redelivered at once elsewhere.
                for message in messages { try? message.nak() }
                break
            }
            await process(messages)
        }
    }

    private func bind() async throws -> PullConsumer {
        var attempt = 0
        while true {
            do {
                return try jetStream.pullConsumer(spec)
            } catch {
                attempt += 1
                if attempt == 1 || attempt % 30 == 0 {
                    logger.warning("cannot bind to the consumer yet; retrying", metadata: ["error": "\(error)"])
                }
                if attempt % 5 == 0 { try? await jetStream.ensureConsumer(spec) }
                try await Task.sleep(for: .milliseconds(min(2000, 100 * attempt)))
            }
        }
    }

    private func process(_ messages: [JetStreamMessage]) async {
        let started = ContinuousClock.now
        if let last = messages.last { pending.record(last.metadata.pending) }
        let outcomes: [MessageOutcome]
        do {
            outcomes = try await withProgressHeartbeat(messages) { await self.handler(messages) }
        } catch {
            // Cancelled mid-batch: nothing was acknowledged, so everything comes back.
            for message in messages { try? message.nak() }
            return
        }
        duration.record(duration: ContinuousClock.now - started)
        for (index, message) in messages.enumerated() {
            let outcome = index < outcomes.count ? outcomes[index] : .failed(MissingOutcome())
            await finish(message, outcome)
        }
    }

    private func finish(_ message: JetStreamMessage, _ outcome: MessageOutcome) async {
        var logger = logger
        logger[metadataKey: "pipeline.subject"] = "\(message.subject)"
        logger[metadataKey: "nats.stream_seq"] = "\(message.metadata.streamSequence)"
        let deliveries = message.metadata.deliveries
        switch Settlement(outcome, deliveries: deliveries, maxDeliver: spec.maxDeliver, nakDelay: options.nakDelay) {
        case .keep:
            return
        case .deadLetter(let reason):
            await deadLetter(message, reason: reason, logger: logger)
        case .handBack:
            try? message.nak()
        case .redeliver(let delay):
            var error = ""
            if case .failed(let failure) = outcome { error = "\(failure)" }
            logger.warning(
                "handler failed; redelivery requested",
                metadata: ["error": "\(error)", "nats.deliveries": "\(deliveries)", "nats.delay": "\(delay)"]
            )
            naked.increment()
            try? message.nak(delay: delay)
        case .acknowledge:
            do {
                try await message.ack()
                acked.increment()
            } catch {
                // The effect is durable and the handler idempotent: a redelivery changes nothing.
                failedAcks.increment()
                logger.warning(
                    "acknowledgement failed; the message will be redelivered", metadata: ["error": "\(error)"])
            }
        }
    }

    private func withProgressHeartbeat(
        _ messages: [JetStreamMessage],
        _ body: @escaping @Sendable () async -> [MessageOutcome]
    ) async throws -> [MessageOutcome] {
        let interval = options.inProgressInterval ?? spec.ackWait / 3
        return try await withThrowingTaskGroup(of: [MessageOutcome]?.self) { group in
            group.addTask { await body() }
            group.addTask {
                while true {
                    try await Task.sleep(for: interval)
                    for message in messages { try? message.inProgress() }
                }
            }
            while let finished = try await group.next() {
                if let outcomes = finished {
                    group.cancelAll()
                    return outcomes
                }
            }
            throw CancellationError()
        }
    }

    private func deadLetter(_ message: JetStreamMessage, reason: String, logger: Logger) async {
        do {
            try await DeadLetters.publish(
                on: jetStream,
                subject: message.subject,
                data: message.data,
                headers: message.headers,
                stream: message.metadata.stream,
                sequence: message.metadata.streamSequence,
                consumer: spec.durable,
                deliveries: message.metadata.deliveries,
                reason: reason
            )
            try message.term()
            deadLettered.increment()
            logger.error("message dead-lettered", metadata: ["dlq.reason": "\(reason)"])
        } catch {
            // Not lost: redelivered, or caught by the max-deliveries advisory watcher after the last delivery.
            logger.error("dead-lettering failed", metadata: ["error": "\(error)", "dlq.reason": "\(reason)"])
            try? message.nak(delay: options.nakDelay(message.metadata.deliveries))
        }
    }
}

/// A batch handler returned fewer outcomes than messages.
struct MissingOutcome: Error, CustomStringConvertible {
    var description: String { "the handler returned no outcome for this message" }
}
