import CNATS
import Foundation
import Synchronization

/// An ordered consumer: every message of a stream's subject from a start sequence on, in stream order, as it
/// arrives, consumed as an `AsyncSequence`. Ephemeral and without acknowledgements: libnats recreates the server's
/// consumer from the next expected sequence when it sees a gap or misses heartbeats (a reconnect, a restarted server).
///
/// Iteration ends when ``close()`` is called or the connection closes; ending the iteration closes it.
package final class OrderedConsumer: AsyncSequence, Sendable {
    package typealias Element = StoredMessage
    package typealias AsyncIterator = AsyncStream<StoredMessage>.Iterator

    private let stream: AsyncStream<StoredMessage>
    private let handle: Mutex<UncheckedSendable<OpaquePointer>?>

    init(jetStream: JetStream, stream name: String, subject: String, startSequence: UInt64) throws {
        let (stream, continuation) = AsyncStream<StoredMessage>.makeStream(bufferingPolicy: .unbounded)
        self.stream = stream
        let box = OrderedBox(continuation: continuation)
        let context = Unmanaged.passRetained(box).toOpaque()
        var options = jsSubOptions()
        try check(jsSubOptions_Init(&options), "initialising subscribe options")
        var sub: OpaquePointer?
        var error = jsErrCode(0)
        let status = name.withCString { streamName in
            options.Stream = streamName
            options.Ordered = true
            options.Config.DeliverPolicy = js_DeliverByStartSequence
            options.Config.OptStartSeq = Swift.max(1, startSequence)
            return js_Subscribe(
                &sub, jetStream.context, subject, orderedMessageCallback, context, nil, &options, &error)
        }
        guard status == NATS_OK, let sub else {
            Unmanaged<OrderedBox>.fromOpaque(context).release()
            throw natsError(status, "following \(subject) in \(name)", jsError: error)
        }
        natsSubscription_SetOnCompleteCB(sub, orderedCompleteCallback, context)
        natsSubscription_SetPendingLimits(sub, -1, -1)
        handle = Mutex(UncheckedSendable(sub))
        continuation.onTermination = { [weak self] _ in self?.close() }
    }

    /// Stops the consumer (the server's ephemeral consumer is deleted); buffered messages are still delivered.
    package func close() {
        guard let sub = handle.take() else { return }
        natsSubscription_Unsubscribe(sub)
        natsSubscription_Destroy(sub)
    }

    /// The iterator over the stream's messages.
    package func makeAsyncIterator() -> AsyncStream<StoredMessage>.Iterator { stream.makeAsyncIterator() }

    deinit { close() }
}

extension JetStream {
    /// The messages of `stream` on `subject` from `startSequence` on (at least 1), through an ordered consumer.
    package func follow(stream: String, subject: String, from startSequence: UInt64) throws -> OrderedConsumer {
        try OrderedConsumer(jetStream: self, stream: stream, subject: subject, startSequence: startSequence)
    }
}

/// What the C callbacks of one ordered consumer reach through their closure pointer.
private final class OrderedBox: Sendable {
    let continuation: AsyncStream<StoredMessage>.Continuation
    init(continuation: AsyncStream<StoredMessage>.Continuation) { self.continuation = continuation }
}

private func orderedMessageCallback(
    _ connection: OpaquePointer?, _ subscription: OpaquePointer?, _ msg: OpaquePointer?,
    _ closure: UnsafeMutableRawPointer?
) {
    guard let msg else { return }
    defer { natsMsg_Destroy(msg) }
    guard let closure else { return }
    let box = Unmanaged<OrderedBox>.fromOpaque(closure).takeUnretainedValue()
    var meta: UnsafeMutablePointer<jsMsgMetaData>?
    guard natsMsg_GetMetaData(&meta, msg) == NATS_OK, let meta else { return }
    let sequence = meta.pointee.Sequence.Stream
    jsMsgMetaData_Destroy(meta)
    let copy = NATSMessage(copying: msg)
    box.continuation.yield(
        StoredMessage(subject: copy.subject, sequence: sequence, data: copy.data, headers: copy.headers))
}

private func orderedCompleteCallback(_ closure: UnsafeMutableRawPointer?) {
    guard let closure else { return }
    Unmanaged<OrderedBox>.fromOpaque(closure).takeRetainedValue().continuation.finish()
}
