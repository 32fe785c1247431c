import CNATS
import Dispatch
import Foundation
import Resilience
import Synchronization

/// A binding to a durable pull consumer: fetch a batch, then end each message in ack, nak, or term.
package final class PullConsumer: Sendable {
    /// The consumer this binding reads.
    package let spec: ConsumerSpec
    private let subscription: Mutex<UncheckedSendable<OpaquePointer>?>
    // One fetch at a time per binding; libnats' pull subscription is not meant for concurrent fetches.
    private let queue: DispatchQueue

    init(jetStream: JetStream, spec: ConsumerSpec) throws {
        self.spec = spec
        var subOptions = jsSubOptions()
        try check(jsSubOptions_Init(&subOptions), "initialising subscribe options")
        var sub: OpaquePointer?
        var error = jsErrCode(0)
        // Bind to the consumer declared by the topology (never create one implicitly: see NATS-NOTES trap 2).
        let status = spec.stream.withCString { stream in
            spec.durable.withCString { durable in
                subOptions.Stream = stream
                subOptions.Consumer = durable
                subOptions.ManualAck = true
                return js_PullSubscribe(&sub, jetStream.context, spec.filterSubject, durable, nil, &subOptions, &error)
            }
        }
        try check(status, "binding to consumer \(spec.durable) on \(spec.stream)", jsError: error)
        guard let sub else { throw NATSError.closed }
        subscription = Mutex(UncheckedSendable(sub))
        queue = DispatchQueue(label: "pull.\(spec.durable)")
    }

    /// Fetches up to `batch` messages, waiting at most `expires`; an empty array when none arrived.
    package func fetch(batch: Int, expires: Duration = .seconds(1)) async throws -> [JetStreamMessage] {
        guard let sub = subscription.withLock({ $0 }) else { throw NATSError.closed }
        let durable = spec.durable
        return try await runBlocking(on: queue) {
            var list = natsMsgList()
            var error = jsErrCode(0)
            let status = natsSubscription_Fetch(&list, sub.value, Int32(batch), expires.milliseconds, &error)
            if status == NATS_TIMEOUT { return [] }
            try check(status, "fetching from \(durable)", jsError: error)
            var messages: [JetStreamMessage] = []
            messages.reserveCapacity(Int(list.Count))
            for index in 0..<Int(list.Count) {
                if let msg = list.Msgs[index] {
                    messages.append(JetStreamMessage(taking: msg))
                    list.Msgs[index] = nil
                }
            }
            natsMsgList_Destroy(&list)
            return messages
        }
    }

    /// Releases the binding; the durable consumer and its position stay on the server.
    package func close() {
        guard let sub = subscription.take() else { return }
        queue.sync { natsSubscription_Destroy(sub) }
    }

    deinit { close() }
}

/// Where a JetStream message sits in its stream and how often it was delivered.
package struct JetStreamMetadata: Sendable, Equatable {
    /// The stream's name.
    package var stream: String
    /// The consumer's name.
    package var consumer: String
    /// The message's sequence in the stream.
    package var streamSequence: UInt64
    /// The delivery's sequence in the consumer.
    package var consumerSequence: UInt64
    /// Deliveries so far, this one included (1 on the first).
    package var deliveries: Int
    /// Messages still pending for the consumer after this one.
    package var pending: UInt64
    /// When the message was stored, nanoseconds since the epoch.
    package var timestampNanos: Int64
}

/// A message from a pull consumer; end it with exactly one of ``ack()``, ``nak(delay:)`` or ``term()``.
package final class JetStreamMessage: @unchecked Sendable {
    // `@unchecked`: the libnats message is only touched under `lock`.
    private let msg: OpaquePointer
    private let lock = Mutex(())
    /// The subject it was published to.
    package let subject: String
    /// Its payload.
    package let data: Data
    /// Its headers.
    package let headers: [String: String]
    /// Stream position and delivery count.
    package let metadata: JetStreamMetadata

    init(taking msg: OpaquePointer) {
        self.msg = msg
        subject = String(cString: natsMsg_GetSubject(msg))
        data = copyData(msg)
        headers = copyHeaders(msg)
        var meta: UnsafeMutablePointer<jsMsgMetaData>?
        if natsMsg_GetMetaData(&meta, msg) == NATS_OK, let meta {
            metadata = JetStreamMetadata(
                stream: meta.pointee.Stream.map { String(cString: $0) } ?? "",
                consumer: meta.pointee.Consumer.map { String(cString: $0) } ?? "",
                streamSequence: meta.pointee.Sequence.Stream,
                consumerSequence: meta.pointee.Sequence.Consumer,
                deliveries: Int(meta.pointee.NumDelivered),
                pending: meta.pointee.NumPending,
                timestampNanos: meta.pointee.Timestamp
            )
            jsMsgMetaData_Destroy(meta)
        } else {
            metadata = JetStreamMetadata(
                stream: "", consumer: "", streamSequence: 0, consumerSequence: 0, deliveries: 1, pending: 0,
                timestampNanos: 0
            )
        }
    }

    deinit { natsMsg_Destroy(msg) }

    /// Acknowledges and waits for the server to confirm, so a returned ack is not lost.
    package func ack() async throws {
        try await runBlocking { [self] in
            try lock.withLock { _ in
                var error = jsErrCode(0)
                try check(natsMsg_AckSync(msg, nil, &error), "acknowledging \(subject)", jsError: error)
            }
        }
    }

    /// Asks for redelivery after `delay` (at once when zero).
    package func nak(delay: Duration = .zero) throws {
        try lock.withLock { _ in
            let status = delay == .zero ? natsMsg_Nak(msg, nil) : natsMsg_NakWithDelay(msg, delay.milliseconds, nil)
            try check(status, "rejecting \(subject)")
        }
    }

    /// Tells the server the message is still being worked on, restarting its ack-wait timer.
    package func inProgress() throws {
        try lock.withLock { _ in try check(natsMsg_InProgress(msg, nil), "extending \(subject)") }
    }

    /// Stops redelivery for good (after it has been dead-lettered).
    package func term() throws {
        try lock.withLock { _ in try check(natsMsg_Term(msg, nil), "terminating \(subject)") }
    }
}
