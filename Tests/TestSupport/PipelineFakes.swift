import Contracts
import Foundation
import Pipeline
import Synchronization
import TradingCalendar

/// ``PipelinePublishing`` in memory: every message published, in order, after a trip through its encoding (so a
/// contract that does not round-trip fails here too). Publishing can be made to fail.
package final class FakePublisher: PipelinePublishing {
    private struct State {
        var messages: [any PipelineMessage] = []
        var failure: (any Error)?
        var onPublish: (@Sendable (any PipelineMessage) -> Void)?
    }

    private let state = Mutex(State())
    package let payloadLimit: Int

    /// A publisher taking messages up to `payloadLimit` bytes.
    package init(payloadLimit: Int = 1 << 20) {
        self.payloadLimit = payloadLimit
    }

    package func publish<Message: PipelineMessage>(_ message: Message) async throws {
        let body = try message.encoded()
        precondition(body.count <= payloadLimit, "a \(Message.schema) of \(body.count) bytes was published")
        let copy = try Message.decoded(from: body, schemaTag: Message.schemaTag)
        let hook = try state.withLock { state -> (@Sendable (any PipelineMessage) -> Void)? in
            if let failure = state.failure { throw failure }
            state.messages.append(copy)
            return state.onPublish
        }
        hook?(copy)
    }

    /// Every message published, in order.
    package var messages: [any PipelineMessage] { state.withLock { $0.messages } }

    /// The messages of one type, in order.
    package func published<Message: PipelineMessage>(_ type: Message.Type) -> [Message] {
        messages.compactMap { $0 as? Message }
    }

    /// Makes every later publish throw `error` (nil: succeed again).
    package func fail(with error: (any Error)?) {
        state.withLock { $0.failure = error }
    }

    /// Calls `hook` after each successful publish (to play the next stage).
    package func onPublish(_ hook: @escaping @Sendable (any PipelineMessage) -> Void) {
        state.withLock { $0.onPublish = hook }
    }

    /// Forgets what was published.
    package func reset() {
        state.withLock { $0.messages.removeAll() }
    }
}

/// ``StorageAsking`` in memory: handlers by request type, each request and reply taken through its encoding.
package final class FakeStorage: StorageAsking {
    private struct State {
        var handlers: [StorageRequestKind: @Sendable (Data) throws -> Data] = [:]
        var asked: [StorageRequestKind] = []
        var failure: (any Error)?
    }

    private let state = Mutex(State())

    /// Storage that answers nothing yet.
    package init() {}

    /// Answers requests of `type` with `handler`.
    package func on<Request: StorageRequest>(
        _ type: Request.Type, _ handler: @escaping @Sendable (Request) throws -> Request.Reply
    ) {
        state.withLock {
            $0.handlers[Request.kind] = { body in
                try handler(Request.decoded(from: body, schemaTag: Request.schemaTag)).encoded()
            }
        }
    }

    /// Makes every later request throw `error` (nil: answer again).
    package func fail(with error: (any Error)?) {
        state.withLock { $0.failure = error }
    }

    /// The kinds asked, in order.
    package var asked: [StorageRequestKind] { state.withLock { $0.asked } }

    package func ask<Query: StorageQuery>(_ query: Query) async throws -> Query.Reply {
        try answer(query)
    }

    package func send<Command: StorageCommand>(_ command: Command, timeout: Duration) async throws -> Command.Reply {
        try answer(command)
    }

    private func answer<Request: StorageRequest>(_ request: Request) throws -> Request.Reply {
        let body = try request.encoded()
        let handler = try state.withLock { state -> (@Sendable (Data) throws -> Data) in
            state.asked.append(Request.kind)
            if let failure = state.failure { throw failure }
            guard let handler = state.handlers[Request.kind] else {
                throw PipelineError.refused(dependency: "storage", reason: "no fake answer for \(Request.kind)")
            }
            return handler
        }
        return try Request.Reply.decoded(from: try handler(body), schemaTag: Request.Reply.schemaTag)
    }
}

/// A received message in memory: how the stage ended it.
package final class FakeDelivery: ReceivedMessage {
    /// How a delivery was ended.
    package enum Ending: Equatable, Sendable {
        /// Acknowledged.
        case acked
        /// Handed back for redelivery.
        case naked
    }

    private struct State {
        var ending: Ending?
        var inProgressSignals = 0
    }

    private let state = Mutex(State())
    package let data: Data
    package let headers: [String: String]
    package let streamSequence: UInt64
    package let deliveries: Int

    /// A delivery of `message`, at `sequence`, delivered `deliveries` times.
    package convenience init<Message: PipelineMessage>(_ message: Message, sequence: UInt64 = 1, deliveries: Int = 1)
        throws
    {
        self.init(
            data: try message.encoded(), headers: [schemaHeader: Message.schemaTag], sequence: sequence,
            deliveries: deliveries
        )
    }

    /// A delivery of raw bytes (a payload that may not decode).
    package init(data: Data, headers: [String: String] = [:], sequence: UInt64 = 1, deliveries: Int = 1) {
        self.data = data
        self.headers = headers
        self.streamSequence = sequence
        self.deliveries = deliveries
    }

    /// How the stage ended it itself (a deferred message ended later); nil while it is kept.
    package var ending: Ending? { state.withLock { $0.ending } }

    /// How often the stage said it is still working on it.
    package var inProgressSignals: Int { state.withLock { $0.inProgressSignals } }

    package func ack() async throws { state.withLock { $0.ending = .acked } }

    package func nak(delay: Duration) throws { state.withLock { $0.ending = .naked } }

    package func inProgress() throws { state.withLock { $0.inProgressSignals += 1 } }
}

/// ``PipelineProbe`` in memory.
package final class FakeProbe: PipelineProbe {
    private struct State {
        var pendingReplays: Set<String> = []
        var drained = true
        var busyConsumers: Set<String> = []
        var failure: (any Error)?
        var lastSequence: @Sendable (String) -> UInt64 = { _ in 1 }
        var acknowledgedThrough: @Sendable (String) -> UInt64 = { _ in 0 }
    }

    private let state = Mutex(State())

    /// A drained pipeline with no pending replay, whose streams' messages no consumer has acknowledged (the fake
    /// storages store nothing published) until ``answerSequences(last:acknowledged:)`` says otherwise.
    package init() {}

    /// Marks a replay request as still held by the fetcher, or finished.
    package func setPending(_ replayID: String, _ pending: Bool) {
        state.withLock {
            if pending { $0.pendingReplays.insert(replayID) } else { $0.pendingReplays.remove(replayID) }
        }
    }

    /// Sets whether the stages have drained.
    package func setDrained(_ drained: Bool) { state.withLock { $0.drained = drained } }

    /// Sets whether a consumer has work outstanding.
    package func setBusy(_ consumer: String, _ busy: Bool) {
        state.withLock { if busy { $0.busyConsumers.insert(consumer) } else { $0.busyConsumers.remove(consumer) } }
    }

    /// Makes every probe throw `error` (nil: answer again).
    package func fail(with error: (any Error)?) { state.withLock { $0.failure = error } }

    /// Answers streams' last sequences with `last` and consumers' acknowledgement floors with `acknowledged`.
    package func answerSequences(
        last: @escaping @Sendable (String) -> UInt64, acknowledged: @escaping @Sendable (String) -> UInt64
    ) {
        state.withLock {
            $0.lastSequence = last
            $0.acknowledgedThrough = acknowledged
        }
    }

    package func isReplayPending(_ replayID: String) async throws -> Bool {
        try state.withLock {
            if let failure = $0.failure { throw failure }
            return $0.pendingReplays.contains(replayID)
        }
    }

    package func isDrained() async throws -> Bool {
        try state.withLock {
            if let failure = $0.failure { throw failure }
            return $0.drained
        }
    }

    package func isIdle(consumer: String) async throws -> Bool {
        try state.withLock {
            if let failure = $0.failure { throw failure }
            return !$0.busyConsumers.contains(consumer)
        }
    }

    package func lastSequence(stream: String) async throws -> UInt64 {
        let answer = try state.withLock {
            if let failure = $0.failure { throw failure }
            return $0.lastSequence
        }
        return answer(stream)
    }

    package func acknowledgedThrough(consumer: String) async throws -> UInt64 {
        let answer = try state.withLock {
            if let failure = $0.failure { throw failure }
            return $0.acknowledgedThrough
        }
        return answer(consumer)
    }
}

/// ``EventLog`` in memory: each stream a list of events numbered from 1, the oldest of which can be dropped (as
/// JetStream's retention does), followers told of every event appended, and an end that finishes every follower.
package final class MemoryEventLog: EventLog {
    private struct State {
        var events: [EventLogStream: [LoggedEvent]] = [:]
        var first: [EventLogStream: UInt64] = [:]
        var last: [EventLogStream: UInt64] = [:]
        var followers: [Int: (stream: EventLogStream, continuation: AsyncStream<LoggedEvent>.Continuation)] = [:]
        var nextFollower = 0
        var failure: (any Error)?
        var endFollows = false
    }

    private let state = Mutex(State())

    /// An empty log.
    package init() {}

    package func retained(_ stream: EventLogStream) async throws -> RetainedSequences {
        try state.withLock { state in
            if let failure = state.failure { throw failure }
            let last = state.last[stream] ?? 0
            return RetainedSequences(first: state.first[stream] ?? last + 1, last: last)
        }
    }

    package func follow(_ stream: EventLogStream, from start: UInt64) throws -> AsyncStream<LoggedEvent> {
        let (events, continuation) = AsyncStream<LoggedEvent>.makeStream()
        try state.withLock { state in
            if let failure = state.failure { throw failure }
            for event in state.events[stream, default: []] where event.sequence >= start {
                continuation.yield(event)
            }
            if state.endFollows {
                continuation.finish()
                return
            }
            let id = state.nextFollower
            state.nextFollower += 1
            state.followers[id] = (stream, continuation)
            continuation.onTermination = { [weak self] _ in
                _ = self?.state.withLock { $0.followers.removeValue(forKey: id) }
            }
        }
        return events
    }

    /// Appends a message to its stream and hands it to the stream's followers; returns its sequence.
    @discardableResult
    package func append(_ payload: LoggedEvent.Payload?, to stream: EventLogStream) -> UInt64 {
        state.withLock { state in
            let sequence = (state.last[stream] ?? 0) + 1
            state.last[stream] = sequence
            if state.first[stream] == nil { state.first[stream] = sequence }
            let event = LoggedEvent(stream: stream, sequence: sequence, payload: payload)
            state.events[stream, default: []].append(event)
            for follower in state.followers.values where follower.stream == stream {
                follower.continuation.yield(event)
            }
            return sequence
        }
    }

    /// Forgets the events of `stream` older than `sequence`, as retention does.
    package func drop(_ stream: EventLogStream, before sequence: UInt64) {
        state.withLock { state in
            state.events[stream]?.removeAll { $0.sequence < sequence }
            state.first[stream] = sequence
        }
    }

    /// Ends every follower (the connection to the log ended).
    package func finish() {
        let continuations = state.withLock { state in state.followers.values.map(\.continuation) }
        for continuation in continuations { continuation.finish() }
    }

    /// Makes every later follower end after the events kept (a log whose connection ends at once).
    package func endFollowsAtOnce() {
        state.withLock { $0.endFollows = true }
    }

    /// Makes `retained` and `follow` throw `error` (nil: work again).
    package func fail(with error: (any Error)?) {
        state.withLock { $0.failure = error }
    }

    /// How many followers are reading now.
    package var followers: Int { state.withLock { $0.followers.count } }
}
