import CNATS
import Foundation
import Synchronization

/// Request/reply over one wildcard inbox subscription, so a request blocks no thread while it waits.
///
/// A reply resumes its request straight from libnats' delivery thread. Timeouts are deadlines that one sweeper
/// checks every ``sweepInterval`` while requests wait (a timer task per request cost more than the request at
/// thousands a second), so a request times out up to that much after its timeout.
final class RequestMux: Sendable {
    /// How often waiting requests are checked for their deadline.
    static let sweepInterval = Duration.milliseconds(20)

    private let prefix: String
    private let connection: UncheckedSendable<OpaquePointer>
    private let pending = PendingRequests()
    private let nextToken = Atomic<UInt64>(0)
    private let subscription: NATSCallbackSubscription
    private let sweeper: Task<Void, Never>
    private let wake: AsyncStream<Void>.Continuation

    init(connection: NATSConnection) throws {
        var inbox: UnsafeMutablePointer<CChar>?
        try check(natsInbox_Create(&inbox), "creating an inbox")
        defer { natsInbox_Destroy(inbox) }
        let prefix = String(cString: inbox!) + "."
        self.prefix = prefix
        self.connection = UncheckedSendable(connection.handle)
        let pending = self.pending
        subscription = try NATSCallbackSubscription(connection: connection, subject: prefix + "*") { reply in
            guard let token = UInt64(reply.subject.dropFirst(prefix.count)) else { return }
            var reply = reply
            if let chunk = reply.headers[NATSHeader.replyChunk] {
                // One part of a reply too large for one message: answer once every part is here.
                guard let whole = pending.collect(token, chunk: chunk, of: reply) else { return }
                reply = whole
            }
            guard let continuation = pending.remove(token) else { return }
            if reply.data.isEmpty && reply.isNoResponders {
                continuation.resume(throwing: NATSError.noResponders(subject: reply.headers["Subject"] ?? ""))
            } else {
                continuation.resume(returning: reply)
            }
        }
        let (wakeups, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.wake = wake
        sweeper = Task {
            // Asleep while nothing waits; woken by the first request that does.
            for await _ in wakeups {
                while pending.isWaiting && !Task.isCancelled {
                    try? await Task.sleep(for: Self.sweepInterval)
                    for (continuation, subject) in pending.expired(at: .now) {
                        continuation.resume(throwing: NATSError.timeout(subject: subject))
                    }
                }
            }
        }
    }

    func request(_ subject: String, data: Data, headers: [String: String], timeout: Duration) async throws
        -> NATSMessage
    {
        let token = nextToken.add(1, ordering: .relaxed).newValue
        let replyTo = prefix + String(token)
        let pending = self.pending
        let connection = self.connection
        let wake = self.wake
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    if pending.insert(token, continuation, subject: subject, deadline: .now + timeout) {
                        wake.yield()
                    }
                    do {
                        let msg = try makeMessage(subject: subject, reply: replyTo, data: data, headers: headers)
                        defer { natsMsg_Destroy(msg) }
                        try check(natsConnection_PublishMsg(connection.value, msg), "requesting on \(subject)")
                    } catch {
                        pending.remove(token)?.resume(throwing: error)
                    }
                }
            } onCancel: {
                pending.remove(token)?.resume(throwing: CancellationError())
            }
        } catch NATSError.noResponders {
            throw NATSError.noResponders(subject: subject)
        }
    }

    func shutdown() {
        sweeper.cancel()
        wake.finish()
        subscription.unsubscribe()
        for continuation in pending.removeAll() { continuation.resume(throwing: NATSError.closed) }
    }
}

extension NATSMessage {
    /// The server's "503 no responders" status message has no payload and a status line header.
    fileprivate var isNoResponders: Bool {
        headers["Status"] == "503" || headers["Description"] == "No Responders"
    }
}

/// The continuations of requests still waiting for a reply, by token, and the parts of chunked replies so far.
final class PendingRequests: Sendable {
    typealias Continuation = CheckedContinuation<NATSMessage, any Error>

    private struct Waiter {
        var continuation: Continuation
        var subject: String
        var deadline: ContinuousClock.Instant
    }

    private let waiting = Mutex<[UInt64: Waiter]>([:])
    private let parts = Mutex<[UInt64: [Int: NATSMessage]]>([:])

    /// Keeps a request's continuation until its reply or `deadline`; true when it is the only one waiting now.
    func insert(
        _ token: UInt64, _ continuation: Continuation, subject: String, deadline: ContinuousClock.Instant
    ) -> Bool {
        waiting.withLock {
            $0[token] = Waiter(continuation: continuation, subject: subject, deadline: deadline)
            return $0.count == 1
        }
    }

    func remove(_ token: UInt64) -> Continuation? {
        parts.withLock { _ = $0.removeValue(forKey: token) }
        return waiting.withLock { $0.removeValue(forKey: token)?.continuation }
    }

    /// Whether any request waits.
    var isWaiting: Bool { waiting.withLock { !$0.isEmpty } }

    /// Removes and returns the requests whose deadline has passed at `now`, with their subjects.
    func expired(at now: ContinuousClock.Instant) -> [(Continuation, String)] {
        let late = waiting.withLock { $0.filter { $0.value.deadline <= now }.map { ($0.key, $0.value.subject) } }
        // Through ``remove(_:)``: a reply that took its request meanwhile leaves nothing to expire.
        return late.compactMap { token, subject in remove(token).map { ($0, subject) } }
    }

    /// Keeps part `chunk` (`index/count`) of a reply; returns the whole reply once every part has arrived, with the
    /// first part's headers. A malformed chunk header is answered as a failed reply rather than waited on.
    func collect(_ token: UInt64, chunk: String, of message: NATSMessage) -> NATSMessage? {
        let fields = chunk.split(separator: "/")
        guard fields.count == 2, let index = Int(fields[0]), let count = Int(fields[1]), count >= 1,
            (0..<count).contains(index)
        else {
            var failed = message
            failed.data = Data()
            failed.headers = [NATSHeader.replyError: "malformed reply chunk header \(chunk)"]
            return failed
        }
        return parts.withLock { all -> NATSMessage? in
            // Only for a request still waiting: a late part after a timeout must not pile up.
            guard waiting.withLock({ $0[token] != nil }) else { return nil }
            var received = all[token, default: [:]]
            received[index] = message
            guard received.count == count else {
                all[token] = received
                return nil
            }
            all[token] = nil
            var whole = received[0]!
            whole.headers[NATSHeader.replyChunk] = nil
            var data = Data(capacity: received.values.reduce(0) { $0 + $1.data.count })
            for part in 0..<count { data.append(received[part]!.data) }
            whole.data = data
            return whole
        }
    }

    func removeAll() -> [Continuation] {
        parts.withLock { $0 = [:] }
        return waiting.withLock { value in
            defer { value = [:] }
            return value.values.map(\.continuation)
        }
    }
}
