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
        let box = SubscriptionBox(continuation: continuation)
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
        // Unlimited pending messages: the AsyncStream is the buffer, and a slow consumer must not drop replies.
        natsSubscription_SetPendingLimits(sub, -1, -1)
        handle = Mutex(UncheckedSendable(sub))
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

/// What the C callbacks of one subscription reach through their closure pointer.
final class SubscriptionBox: Sendable {
    let continuation: AsyncStream<NATSMessage>.Continuation
    init(continuation: AsyncStream<NATSMessage>.Continuation) { self.continuation = continuation }
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
    box.continuation.yield(NATSMessage(copying: msg))
}

private func natsSubscriptionCompleteCallback(_ closure: UnsafeMutableRawPointer?) {
    guard let closure else { return }
    let box = Unmanaged<SubscriptionBox>.fromOpaque(closure).takeRetainedValue()
    box.continuation.finish()
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
