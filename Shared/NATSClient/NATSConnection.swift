import CNATS
import Foundation
import Logging
import Resilience
import Synchronization

/// A connection to NATS over libnats, with a Swift-concurrency API.
///
/// libnats is thread-safe: one connection is shared by every task of a service. Blocking calls hop off the
/// cooperative pool (see ``runBlocking(on:_:)``); callbacks arrive on libnats' threads and are bridged with
/// `AsyncStream` continuations.
package final class NATSConnection: @unchecked Sendable {
    // `@unchecked`: `handle` is an immutable pointer to a thread-safe libnats object; the rest is Mutex-guarded.
    let handle: OpaquePointer
    /// The logger the connection reports its state changes to.
    package let logger: Logger
    /// The name given to the server.
    package let name: String
    private let hub: ConnectionEventHub
    private let requestMux = Mutex<RequestMux?>(nil)
    private let closedFlag = Mutex(false)

    private init(handle: OpaquePointer, hub: ConnectionEventHub, name: String, logger: Logger) {
        self.handle = handle
        self.hub = hub
        self.name = name
        self.logger = logger
    }

    /// Connects; with `retryOnFailedConnect` this returns at once even when the server is not up yet, and the
    /// connection comes up in the background (watch ``events()`` or ``isConnected``).
    package static func connect(_ options: NATSConnectionOptions, logger: Logger) async throws -> NATSConnection {
        try await runBlocking { try connectBlocking(options, logger: logger) }
    }

    private static func connectBlocking(_ options: NATSConnectionOptions, logger: Logger) throws -> NATSConnection {
        var opts: OpaquePointer?
        try check(natsOptions_Create(&opts), "creating NATS options")
        guard let opts else { throw NATSError.closed }
        defer { natsOptions_Destroy(opts) }

        let hub = ConnectionEventHub(logger: logger, name: options.name)
        // Retained for the life of the process: libnats may call back after the Swift object is gone.
        let context = Unmanaged.passRetained(hub).toOpaque()
        let cstrings = CStrings()
        var servers = options.urls.map { Optional(cstrings($0)) }
        try servers.withUnsafeMutableBufferPointer { buffer in
            try check(
                natsOptions_SetServers(opts, buffer.baseAddress, Int32(buffer.count)),
                "setting servers \(options.urls)"
            )
        }
        try check(natsOptions_SetName(opts, options.name), "setting the connection name")
        try check(natsOptions_SetMaxReconnect(opts, Int32(options.maxReconnect)), "setting max reconnect")
        try check(natsOptions_SetReconnectWait(opts, options.reconnectWait.milliseconds), "setting reconnect wait")
        try check(natsOptions_SetReconnectBufSize(opts, Int32(options.reconnectBufferBytes)), "setting buffer size")
        try check(natsOptions_SetTimeout(opts, options.connectTimeout.milliseconds), "setting the connect timeout")
        try check(natsOptions_SetDisconnectedCB(opts, natsDisconnectedCallback, context), "setting callbacks")
        try check(natsOptions_SetReconnectedCB(opts, natsReconnectedCallback, context), "setting callbacks")
        try check(natsOptions_SetClosedCB(opts, natsClosedCallback, context), "setting callbacks")
        try check(natsOptions_SetErrorHandler(opts, natsErrorCallback, context), "setting callbacks")
        if options.retryOnFailedConnect {
            try check(
                natsOptions_SetRetryOnFailedConnect(opts, true, natsConnectedCallback, context),
                "setting retry on failed connect"
            )
        }

        var connection: OpaquePointer?
        let status = natsConnection_Connect(&connection, opts)
        if status == NATS_NOT_YET_CONNECTED, let connection {
            logger.warning(
                "NATS not reachable yet; retrying in the background",
                metadata: ["nats.url": "\(options.urls.joined(separator: ","))"]
            )
            return NATSConnection(handle: connection, hub: hub, name: options.name, logger: logger)
        }
        try check(status, "connecting to \(options.urls.joined(separator: ","))")
        guard let connection else { throw NATSError.closed }
        hub.emit(.connected)
        return NATSConnection(handle: connection, hub: hub, name: options.name, logger: logger)
    }

    // MARK: State

    /// Whether the connection is up right now.
    package var isConnected: Bool {
        natsConnection_Status(handle) == NATS_CONN_STATUS_CONNECTED
    }

    /// Whether ``close()`` has run or the connection was closed by libnats.
    package var isClosed: Bool {
        closedFlag.withLock { $0 } || natsConnection_IsClosed(handle)
    }

    /// The largest payload the server accepts.
    package var maxPayload: Int {
        Int(natsConnection_GetMaxPayload(handle))
    }

    /// A stream of this connection's state changes from now on; it ends when the connection closes.
    package func events() -> AsyncStream<NATSConnectionEvent> {
        hub.subscribe()
    }

    /// Waits until the connection is up, or throws after `timeout`.
    package func waitUntilConnected(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while !isConnected {
            if isClosed { throw NATSError.closed }
            if ContinuousClock.now >= deadline { throw NATSError.timeout(subject: "connect") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    // MARK: Core publish / subscribe

    /// Publishes a message (buffered by libnats while disconnected).
    package func publish(_ subject: String, data: Data, headers: [String: String] = [:], replyTo: String? = nil)
        throws
    {
        if headers.isEmpty {
            let status = data.withUnsafeBytes { raw in
                if let replyTo {
                    return natsConnection_PublishRequest(handle, subject, replyTo, raw.baseAddress, Int32(raw.count))
                }
                return natsConnection_Publish(handle, subject, raw.baseAddress, Int32(raw.count))
            }
            try check(status, "publishing to \(subject)")
            return
        }
        let msg = try makeMessage(subject: subject, reply: replyTo, data: data, headers: headers)
        defer { natsMsg_Destroy(msg) }
        try check(natsConnection_PublishMsg(handle, msg), "publishing to \(subject)")
    }

    /// Flushes buffered publishes and waits for the server's answer.
    package func flush(timeout: Duration = .seconds(5)) async throws {
        let handle = self.handle
        let box = UncheckedSendable(handle)
        try await runBlocking {
            try check(natsConnection_FlushTimeout(box.value, timeout.milliseconds), "flushing")
        }
    }

    /// Subscribes to `subject` (wildcards allowed), optionally in a queue group.
    package func subscribe(_ subject: String, queue: String? = nil) throws -> NATSSubscription {
        try NATSSubscription(connection: self, subject: subject, queue: queue)
    }

    // MARK: Request / reply

    /// Sends a request and waits for one reply.
    ///
    /// - Throws: ``NATSError/noResponders(subject:)`` when nobody listens, ``NATSError/timeout(subject:)`` when
    ///   nobody answers in time, ``NATSError/remote(subject:message:)`` when the responder reports an error.
    package func request(
        _ subject: String,
        data: Data,
        headers: [String: String] = [:],
        timeout: Duration = .seconds(5)
    ) async throws -> NATSMessage {
        let mux = try requestMux.withLock { mux in
            if let mux { return mux }
            let created = try RequestMux(connection: self)
            mux = created
            return created
        }
        let reply = try await mux.request(subject, data: data, headers: headers, timeout: timeout)
        if let error = reply.headers[NATSHeader.replyError] {
            throw NATSError.remote(subject: subject, message: error)
        }
        return reply
    }

    /// Answers requests on `subject` until the task is cancelled; the handler's error goes back to the requester.
    ///
    /// - Parameters:
    ///   - queue: a queue group, so several instances share the load.
    ///   - concurrency: how many requests are handled at once.
    package func serve(
        _ subject: String,
        queue: String? = nil,
        concurrency: Int = 4,
        handler: @escaping @Sendable (NATSMessage) async throws -> NATSReply
    ) async throws {
        let subscription = try subscribe(subject, queue: queue)
        defer { subscription.unsubscribe() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var running = 0
            for await message in subscription {
                if running >= concurrency {
                    _ = try await group.next()
                    running -= 1
                }
                running += 1
                group.addTask { [self] in await answer(message, handler: handler) }
            }
            try await group.waitForAll()
        }
    }

    private func answer(_ message: NATSMessage, handler: @Sendable (NATSMessage) async throws -> NATSReply) async {
        guard let replyTo = message.replyTo else { return }
        let reply: NATSReply
        do {
            reply = try await handler(message)
        } catch {
            reply = NATSReply(data: Data(), headers: [NATSHeader.replyError: "\(error)"])
        }
        let limit = maxPayload
        // Headroom for the headers and the protocol line: the payload limit bounds the whole message.
        let chunkSize = limit > 0 ? max(1024, limit - 8 * 1024) : Int.max
        do {
            guard reply.data.count > chunkSize else {
                return try publish(replyTo, data: reply.data, headers: reply.headers)
            }
            // Too large for one message: the requester reassembles the parts (see RequestMux).
            let count = (reply.data.count + chunkSize - 1) / chunkSize
            for index in 0..<count {
                let start = reply.data.startIndex + index * chunkSize
                let part = reply.data[start..<min(reply.data.endIndex, start + chunkSize)]
                var headers = index == 0 ? reply.headers : [:]
                headers[NATSHeader.replyChunk] = "\(index)/\(count)"
                try publish(replyTo, data: Data(part), headers: headers)
            }
        } catch {
            logger.error(
                "could not send a reply",
                metadata: ["nats.subject": "\(message.subject)", "error": "\(error)"]
            )
        }
    }

    // MARK: JetStream

    /// A JetStream context on this connection.
    ///
    /// - Parameter timeout: how long JetStream API calls and publish acknowledgements may take.
    package func jetStream(timeout: Duration = .seconds(5)) throws -> JetStream {
        try JetStream(connection: self, timeout: timeout)
    }

    // MARK: Shutdown

    /// Drains nothing, closes the connection and frees it; safe to call twice. Never call from a libnats thread.
    package func close() async {
        let alreadyClosed = closedFlag.withLock { closed in
            defer { closed = true }
            return closed
        }
        guard !alreadyClosed else { return }
        requestMux.withLock { $0?.shutdown() }
        let box = UncheckedSendable(handle)
        _ = try? await runBlocking {
            natsConnection_FlushTimeout(box.value, 1000)
            natsConnection_Close(box.value)
            natsConnection_Destroy(box.value)
        }
        hub.finish()
    }
}

/// A reply a responder sends back.
package struct NATSReply: Sendable {
    /// The payload.
    package var data: Data
    /// Headers; ``NATSHeader/replyError`` marks a failed request.
    package var headers: [String: String]

    /// Creates a reply.
    package init(data: Data, headers: [String: String] = [:]) {
        self.data = data
        self.headers = headers
    }
}

/// Header names this client gives meaning to.
package enum NATSHeader {
    /// Set on a reply when the responder failed; the value is the error text.
    package static let replyError = "Reply-Error"
    /// Set on each part of a reply split to fit the payload limit: `index/count`, 0-based.
    package static let replyChunk = "Reply-Chunk"
    /// JetStream's de-duplication id.
    package static let messageID = "Nats-Msg-Id"
    /// Why a message was dead-lettered.
    package static let deadLetterReason = "Dlq-Reason"
    /// The subject a dead letter was first published to.
    package static let deadLetterSubject = "Dlq-Subject"
    /// The stream a dead letter came from.
    package static let deadLetterStream = "Dlq-Stream"
    /// The stream sequence a dead letter had.
    package static let deadLetterSequence = "Dlq-Sequence"
    /// The consumer that gave up on a dead letter.
    package static let deadLetterConsumer = "Dlq-Consumer"
    /// How many times a dead letter was delivered.
    package static let deadLetterDeliveries = "Dlq-Deliveries"
}

/// Wraps a value the compiler cannot prove Sendable but that is used safely (libnats handles are thread-safe).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

// MARK: - Connection callbacks (file scope: nonisolated, capture nothing; see NATS-NOTES trap 1)

private func hub(_ closure: UnsafeMutableRawPointer?) -> ConnectionEventHub? {
    closure.map { Unmanaged<ConnectionEventHub>.fromOpaque($0).takeUnretainedValue() }
}

private func natsConnectedCallback(_ connection: OpaquePointer?, _ closure: UnsafeMutableRawPointer?) {
    hub(closure)?.emit(.connected)
}

private func natsDisconnectedCallback(_ connection: OpaquePointer?, _ closure: UnsafeMutableRawPointer?) {
    hub(closure)?.emit(.disconnected)
}

private func natsReconnectedCallback(_ connection: OpaquePointer?, _ closure: UnsafeMutableRawPointer?) {
    hub(closure)?.emit(.reconnected)
}

private func natsClosedCallback(_ connection: OpaquePointer?, _ closure: UnsafeMutableRawPointer?) {
    hub(closure)?.emit(.closed)
}

private func natsErrorCallback(
    _ connection: OpaquePointer?,
    _ subscription: OpaquePointer?,
    _ status: natsStatus,
    _ closure: UnsafeMutableRawPointer?
) {
    hub(closure)?.emit(.error(String(cString: natsStatus_GetText(status))))
}

/// Fans connection events out to every listener, and logs them.
final class ConnectionEventHub: Sendable {
    private let listeners = Mutex<[Int: AsyncStream<NATSConnectionEvent>.Continuation]>([:])
    private let nextID = Atomic<Int>(0)
    private let logger: Logger
    private let name: String

    init(logger: Logger, name: String) {
        self.logger = logger
        self.name = name
    }

    func subscribe() -> AsyncStream<NATSConnectionEvent> {
        let (stream, continuation) = AsyncStream<NATSConnectionEvent>.makeStream(bufferingPolicy: .bufferingNewest(64))
        let id = nextID.add(1, ordering: .relaxed).newValue
        listeners.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.listeners.withLock { $0.removeValue(forKey: id) }
        }
        return stream
    }

    func emit(_ event: NATSConnectionEvent) {
        switch event {
        case .error(let text):
            logger.warning("NATS asynchronous error", metadata: ["nats.connection": "\(name)", "error": "\(text)"])
        case .disconnected:
            logger.warning("NATS disconnected", metadata: ["nats.connection": "\(name)"])
        default:
            logger.info("NATS \(event)", metadata: ["nats.connection": "\(name)"])
        }
        for continuation in listeners.withLock({ Array($0.values) }) {
            continuation.yield(event)
        }
    }

    func finish() {
        for continuation in listeners.withLock({ Array($0.values) }) {
            continuation.finish()
        }
    }
}
