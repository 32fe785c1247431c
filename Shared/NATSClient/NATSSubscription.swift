import CNATS
import Foundation
import Synchronization

/// A core NATS subscription, consumed as an `AsyncSequence` of messages.
///
/// Iteration ends when ``unsubscribe()`` is called or the connection closes. Ending the iteration (breaking
/// out of the loop, cancelling the task) unsubscribes.
package final class NATSSubscription: AsyncSequence, Sendable {
    package typealias Element = NATSMessage
    package typealias AsyncIterator = AsyncStream<NATSMessage>.Iterator

    /// The subject (or wildcard) subscribed to.
    package let subject: String
    private let stream: AsyncStream<NATSMessage>
    private let handle: Mutex<UncheckedSendable<OpaquePointer>?>

    init(connection: NATSConnection, subject: String, queue: String?) throws {
        self.subject = subject
        let (stream, continuation) = AsyncStream<NATSMessage>.makeStream(bufferingPolicy: .unbounded)
        self.stream = stream
        let box = SubscriptionBox(deliver: { continuation.yield($0) }, complete: { continuation.finish() })
        handle = Mutex(UncheckedSendable(try subscribeC(connection, subject, queue: queue, box: box)))
        continuation.onTermination = { [weak self] _ in self?.unsubscribe() }
    }

    /// Stops the subscription; pending messages already buffered are still delivered.
    package func unsubscribe() {
        guard let sub = handle.take() else { return }
        natsSubscription_Unsubscribe(sub)
        natsSubscription_Destroy(sub)
    }

    /// The iterator over received messages.
    package func makeAsyncIterator() -> AsyncStream<NATSMessage>.Iterator {
        stream.makeAsyncIterator()
    }

    deinit { unsubscribe() }
}

/// A core NATS subscription whose messages go to a handler on libnats' delivery thread, with no task between: for
/// replies, where a hop through a stream and a task cost more than the handler (which must be quick and must not
/// block).
final class NATSCallbackSubscription: Sendable {
    private let handle: Mutex<UncheckedSendable<OpaquePointer>?>

    init(connection: NATSConnection, subject: String, handler: @escaping @Sendable (NATSMessage) -> Void) throws {
        handle = Mutex(
            UncheckedSendable(
                try subscribeC(connection, subject, queue: nil, box: SubscriptionBox(deliver: handler, complete: {}))))
    }

    /// Stops the subscription.
    func unsubscribe() {
        guard let sub = handle.take() else { return }
        natsSubscription_Unsubscribe(sub)
        natsSubscription_Destroy(sub)
    }

    deinit { unsubscribe() }
}

/// Subscribes with `box` as the callbacks' closure: it lives until libnats says no callback can run any more.
private func subscribeC(
    _ connection: NATSConnection, _ subject: String, queue: String?, box: SubscriptionBox
) throws -> OpaquePointer {
    let context = Unmanaged.passRetained(box).toOpaque()
    var sub: OpaquePointer?
    let status: natsStatus
    if let queue {
        status = natsConnection_QueueSubscribe(
            &sub, connection.handle, subject, queue, natsSubscriptionCallback, context)
    } else {
        status = natsConnection_Subscribe(&sub, connection.handle, subject, natsSubscriptionCallback, context)
    }
    guard status == NATS_OK, let sub else {
        Unmanaged<SubscriptionBox>.fromOpaque(context).release()
        throw natsError(status, "subscribing to \(subject)")
    }
    // libnats calls this once no further message callback can run: only then may the box go.
    natsSubscription_SetOnCompleteCB(sub, natsSubscriptionCompleteCallback, context)
    // Unlimited pending messages: the receiver is the buffer, and a slow consumer must not drop replies.
    natsSubscription_SetPendingLimits(sub, -1, -1)
    return sub
}

/// What the C callbacks of one subscription reach through their closure pointer.
final class SubscriptionBox: Sendable {
    let deliver: @Sendable (NATSMessage) -> Void
    let complete: @Sendable () -> Void
    init(deliver: @escaping @Sendable (NATSMessage) -> Void, complete: @escaping @Sendable () -> Void) {
        self.deliver = deliver
        self.complete = complete
    }
}

private func natsSubscriptionCallback(
    _ connection: OpaquePointer?,
    _ subscription: OpaquePointer?,
    _ msg: OpaquePointer?,
    _ closure: UnsafeMutableRawPointer?
) {
    guard let msg else { return }
    defer { natsMsg_Destroy(msg) }
    guard let closure else { return }
    let box = Unmanaged<SubscriptionBox>.fromOpaque(closure).takeUnretainedValue()
    box.deliver(NATSMessage(copying: msg))
}

private func natsSubscriptionCompleteCallback(_ closure: UnsafeMutableRawPointer?) {
    guard let closure else { return }
    let box = Unmanaged<SubscriptionBox>.fromOpaque(closure).takeRetainedValue()
    box.complete()
}

extension Mutex where Value == UncheckedSendable<OpaquePointer>? {
    /// The libnats handle, leaving nil behind: only the first caller gets it (to unsubscribe or destroy it once).
    func take() -> OpaquePointer? {
        withLock { value in
            defer { value = nil }
            return value?.value
        }
    }
}
