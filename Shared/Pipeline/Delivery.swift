import Contracts
import Foundation
import Logging
import NATSClient
import Resilience
import Tracing

/// How a stage ends a message it kept (``MessageOutcome/deferred``) or keeps alive while it waits; the stage's
/// returned outcome ends every other message.
package protocol DeliveryControl: Sendable {
    /// The message's position in its stream: a later position is a later publish.
    var streamSequence: UInt64 { get }
    /// Deliveries so far, this one included (1 on the first).
    var deliveries: Int { get }
    /// Acknowledges: the effect is durable.
    func ack() async throws
    /// Asks for redelivery after `delay`.
    func nak(delay: Duration) throws
    /// Tells the broker the message is still being worked on.
    func inProgress() throws
}

/// A message as a consumer receives it: its encoded body, its headers, and its acknowledgement handle.
package protocol ReceivedMessage: DeliveryControl {
    /// The payload.
    var data: Data { get }
    /// The headers (the schema tag among them).
    var headers: [String: String] { get }
}

extension JetStreamMessage: ReceivedMessage {
    /// The message's stream sequence.
    package var streamSequence: UInt64 { metadata.streamSequence }
    /// Deliveries so far.
    package var deliveries: Int { metadata.deliveries }
}

/// A decoded message handed to a stage, with the handle that ends it.
package struct Delivery<Message: Sendable>: Sendable {
    /// The message.
    package var message: Message
    /// Its acknowledgement handle.
    package var control: any DeliveryControl
    /// The trace the message carries (its publisher's span); the top level when it carries none.
    package var traceContext: ServiceContext

    /// A delivery; `traceContext` is the trace of the message's headers (``TraceHeaders/extract(from:)``).
    package init(message: Message, control: any DeliveryControl, traceContext: ServiceContext = .topLevel) {
        self.message = message
        self.control = control
        self.traceContext = traceContext
    }
}

/// How many messages a stage fetches at once. A stage decodes a whole fetch before handling it, so for messages that
/// carry a session's rows (5,000 of them in the benchmark market) the fetch size bounds the stage's memory: during the
/// 10-year back-fill the validator peaked at 84 MiB fetching 16 and at 49-56 MiB fetching 4 (BENCHMARKS.md, issue 15
/// item 4).
package enum FetchSize {
    /// Price batches handled one at a time (validator, index-builder).
    package static let sessions = 4
    /// Price batches written in one transaction (storage): more per commit, fewer syncs.
    package static let storedSessions = 16
    /// Small messages (index results, composition events, rejections).
    package static let small = 64
}

/// A stage's handler over a fetched batch of deliveries, returning one outcome per delivery, in order.
package typealias StageHandler<Message: Sendable> = @Sendable ([Delivery<Message>]) async -> [MessageOutcome]

/// What a stage reads: one durable consumer of the pipeline, decoded to its message type.
///
/// A message that does not decode is dead-lettered with the decoding error (never handed to the stage); the rest
/// go to the stage's handler in stream order. Acknowledgement, redelivery with a delay and dead letters are the
/// ``ConsumerRunner``'s: the one outer retry loop of every stage.
package struct StageConsumer<Message: PipelineMessage> {
    /// The durable consumer.
    package var consumer: ConsumerSpec
    /// Messages fetched at once.
    package var batch: Int
    /// The stage.
    package var handler: StageHandler<Message>

    /// Hands received messages to the stage as the runner does (for tests of a stage with fake deliveries).
    package func deliver(_ messages: [any ReceivedMessage]) async -> [MessageOutcome] {
        await Self.handle(messages, with: handler)
    }

    /// A stage reading `consumer`, `batch` messages at a time.
    package init(_ consumer: String, batch: Int, handler: @escaping StageHandler<Message>) {
        guard let spec = Topology.pipeline.consumer(consumer) else {
            preconditionFailure("\(consumer) is not a consumer of the pipeline topology")
        }
        self.consumer = spec
        self.batch = batch
        self.handler = handler
    }

    /// Decodes each message, hands the decodable ones to the handler, and dead-letters the others.
    package static func handle(
        _ messages: [any ReceivedMessage], with handler: StageHandler<Message>
    ) async -> [MessageOutcome] {
        var outcomes = [MessageOutcome](repeating: .deferred, count: messages.count)
        var deliveries: [Delivery<Message>] = []
        var positions: [Int] = []
        for (position, message) in messages.enumerated() {
            do {
                let decoded = try Message.decoded(from: message.data, schemaTag: message.headers[schemaHeader])
                deliveries.append(
                    Delivery(
                        message: decoded, control: message, traceContext: TraceHeaders.extract(from: message.headers)))
                positions.append(position)
            } catch {
                outcomes[position] = .permanent("\(error)")
            }
        }
        guard !deliveries.isEmpty else { return outcomes }
        let handled = await handler(deliveries)
        for (index, position) in positions.enumerated() {
            outcomes[position] = index < handled.count ? handled[index] : .failed(MissingOutcome())
        }
        return outcomes
    }
}

/// The header that carries a message's schema tag (`price-batch/1`).
package let schemaHeader = "Schema"
