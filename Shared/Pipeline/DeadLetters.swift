import Contracts
import Foundation
import Logging
import NATSClient
import Resilience

/// Publishing to `dlq.<subject>` and rescuing messages whose deliveries ran out without a final answer.
package enum DeadLetters {
    /// The dead-letter subject of `subject`.
    package static func subject(for subject: String) -> String { "dlq." + subject }

    /// Publishes a dead letter with the reason and origin in its headers; at most once per stream message.
    package static func publish(
        on jetStream: JetStream,
        subject: String,
        data: Data,
        headers: [String: String],
        stream: String,
        sequence: UInt64,
        consumer: String,
        deliveries: Int,
        reason: String
    ) async throws {
        var headers = headers
        headers.removeValue(forKey: NATSHeader.messageID)
        headers[NATSHeader.deadLetterReason] = String(reason.prefix(2000))
        headers[NATSHeader.deadLetterSubject] = subject
        headers[NATSHeader.deadLetterStream] = stream
        headers[NATSHeader.deadLetterSequence] = String(sequence)
        headers[NATSHeader.deadLetterConsumer] = consumer
        headers[NATSHeader.deadLetterDeliveries] = String(deliveries)
        _ = try await jetStream.publish(
            Self.subject(for: subject),
            data: data,
            headers: headers,
            messageID: "dlq:\(stream):\(sequence)"
        )
    }

    /// The advisory subject JetStream publishes when a consumer's deliveries of a message ran out.
    package static let maxDeliveriesAdvisories = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.>"

    /// A handler for a consumer on the max-deliveries advisories: it dead-letters the message the advisory names.
    ///
    /// This catches what the ``ConsumerRunner`` cannot: a last delivery whose ack wait expired because the
    /// handler hung or its process died.
    package static func advisoryHandler(jetStream: JetStream, logger: Logger)
        -> @Sendable (JetStreamMessage) async throws
        -> Void
    {
        { advisoryMessage in
            let advisory: MaxDeliveriesAdvisory
            do {
                advisory = try WireCoding.standardDecoder.decode(MaxDeliveriesAdvisory.self, from: advisoryMessage.data)
            } catch {
                throw PermanentFailure("unreadable max-deliveries advisory: \(error)")
            }
            let original: StoredMessage
            do {
                original = try await jetStream.message(stream: advisory.stream, sequence: advisory.streamSequence)
            } catch let error as NATSError where error.isNotFound {
                logger.warning(
                    "a message ran out of deliveries but is no longer stored",
                    metadata: ["nats.stream": "\(advisory.stream)", "nats.stream_seq": "\(advisory.streamSequence)"]
                )
                return
            }
            let reason =
                "no final acknowledgement after \(advisory.deliveries) deliveries to \(advisory.consumer) (ack wait expired)"
            try await publish(
                on: jetStream,
                subject: original.subject,
                data: original.data,
                headers: original.headers,
                stream: advisory.stream,
                sequence: advisory.streamSequence,
                consumer: advisory.consumer,
                deliveries: advisory.deliveries,
                reason: reason
            )
            logger.error(
                "message dead-lettered after its deliveries ran out",
                metadata: ["pipeline.subject": "\(original.subject)", "dlq.reason": "\(reason)"]
            )
        }
    }
}

/// `io.nats.jetstream.advisory.v1.max_deliver`.
struct MaxDeliveriesAdvisory: Decodable {
    var stream: String
    var consumer: String
    var streamSequence: UInt64
    var deliveries: Int

    enum CodingKeys: String, CodingKey {
        case stream, consumer, deliveries
        case streamSequence = "stream_seq"
    }
}
