import CNATS
import Foundation
import Synchronization

/// Request/reply over one wildcard inbox subscription, so a request blocks no thread while it waits.
final class RequestMux: Sendable {
    private let prefix: String
    private let connection: UncheckedSendable<OpaquePointer>
    private let pending = PendingRequests()
    private let nextToken = Atomic<UInt64>(0)
    private let subscription: NATSSubscription
    private let pump: Task<Void, Never>

    init(connection: NATSConnection) throws {
        var inbox: UnsafeMutablePointer<CChar>?
        try check(natsInbox_Create(&inbox), "creating an inbox")
        defer { natsInbox_Destroy(inbox) }
        let prefix = String(cString: inbox!) + "."
        self.prefix = prefix
        self.connection = UncheckedSendable(connection.handle)
        let subscription = try connection.subscribe(prefix + "*")
        self.subscription = subscription
        let pending = self.pending
        pump = Task { [subscription] in
            for await reply in subscription {
                guard let token = UInt64(reply.subject.dropFirst(prefix.count)) else { continue }
                var reply = reply
                if let chunk = reply.headers[NATSHeader.replyChunk] {
                    // One part of a reply too large for one message: answer once every part is here.
                    guard let whole = pending.collect(token, chunk: chunk, of: reply) else { continue }
                    reply = whole
                }
                guard let continuation = pending.remove(token) else { continue }
                if reply.data.isEmpty && reply.isNoResponders {
                    continuation.resume(throwing: NATSError.noResponders(subject: reply.headers["Subject"] ?? ""))
                } else {
                    continuation.resume(returning: reply)
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
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    pending.insert(token, continuation)
                    do {
                        let msg = try makeMessage(subject: subject, reply: replyTo, data: data, headers: headers)
                        defer { natsMsg_Destroy(msg) }
                        try check(natsConnection_PublishMsg(connection.value, msg), "requesting on \(subject)")
                    } catch {
                        pending.remove(token)?.resume(throwing: error)
                        return
                    }
                    Task {
                        try? await Task.sleep(for: timeout)
                        pending.remove(token)?
                            .resume(throwing: NATSError.timeout(subject: subject))
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
        pump.cancel()
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
    private let waiting = Mutex<[UInt64: CheckedContinuation<NATSMessage, any Error>]>([:])
    private let parts = Mutex<[UInt64: [Int: NATSMessage]]>([:])

    func insert(_ token: UInt64, _ continuation: CheckedContinuation<NATSMessage, any Error>) {
        waiting.withLock { $0[token] = continuation }
    }

    func remove(_ token: UInt64) -> CheckedContinuation<NATSMessage, any Error>? {
        parts.withLock { _ = $0.removeValue(forKey: token) }
        return waiting.withLock { $0.removeValue(forKey: token) }
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

    func removeAll() -> [CheckedContinuation<NATSMessage, any Error>] {
        parts.withLock { $0 = [:] }
        return waiting.withLock { value in
            defer { value = [:] }
            return Array(value.values)
        }
    }
}
