import Contracts
import Foundation
import NATSClient

/// The streams that `GET /events` reads, each kept by JetStream with limits retention (``Topology/pipeline``): index
/// results (`INDEX`, 7 days), composition changes (`COMPOSITION`, 7 days) and job states (`JOBS`, 30 days). A
/// position in each is its stream sequence.
package enum EventLogStream: Int, CaseIterable, Sendable, CustomStringConvertible {
    /// `index.computed.>` on `INDEX`: the `session` events.
    case sessions
    /// `composition.changed.>` on `COMPOSITION`: the `composition` events.
    case compositions
    /// `jobs.state.>` on `JOBS`: the `job` events.
    case jobs

    /// The JetStream stream.
    package var streamName: String {
        switch self {
        case .sessions: StreamName.index
        case .compositions: StreamName.composition
        case .jobs: StreamName.jobs
        }
    }

    /// The stream's subjects.
    package var subject: String {
        switch self {
        case .sessions: Subjects.Wildcard.indexComputed
        case .compositions: Subjects.Wildcard.compositionChanged
        case .jobs: Subjects.Wildcard.jobStates
        }
    }

    /// The server-sent event name of the stream's messages.
    package var description: String {
        switch self {
        case .sessions: "session"
        case .compositions: "composition"
        case .jobs: "job"
        }
    }
}

/// A message of an ``EventLogStream``, read back with its stream sequence.
package struct LoggedEvent: Sendable {
    /// What a message of the event streams holds.
    package enum Payload: Sendable {
        /// An index session computed (or retracted, when it has no constituents).
        case session(IndexResult)
        /// Constituents added and removed at a session.
        case composition(CompositionEvent)
        /// A job's new state.
        case job(JobRecord)
    }

    /// The stream it was read from.
    package var stream: EventLogStream
    /// Its stream sequence.
    package var sequence: UInt64
    /// The message; nil when it does not decode (its position still counts).
    package var payload: Payload?

    /// An event.
    package init(stream: EventLogStream, sequence: UInt64, payload: Payload?) {
        self.stream = stream
        self.sequence = sequence
        self.payload = payload
    }
}

/// The sequences a stream still holds: `first...last`, with `first == last + 1` when it holds none.
package struct RetainedSequences: Sendable, Equatable {
    /// The oldest sequence kept.
    package var first: UInt64
    /// The newest sequence stored.
    package var last: UInt64

    /// A range.
    package init(first: UInt64, last: UInt64) {
        self.first = first
        self.last = last
    }
}

/// Where the API reads the events it streams: the pipeline's own streams, read by sequence.
package protocol EventLog: Sendable {
    /// What `stream` holds now.
    func retained(_ stream: EventLogStream) async throws -> RetainedSequences
    /// The messages of `stream` from sequence `start` on (the oldest kept, when older ones are gone), in order, as
    /// they are stored; the sequence ends when the connection to the log ends. Stopping the iteration stops reading.
    func follow(_ stream: EventLogStream, from start: UInt64) throws -> AsyncStream<LoggedEvent>
}

extension NATSPipeline: EventLog {
    package func retained(_ stream: EventLogStream) async throws -> RetainedSequences {
        try await transport {
            let state = try await jetStream.streamState(stream.streamName)
            // An empty stream reports first = last + 1 (or 0 and 0 when it never held a message).
            return RetainedSequences(first: max(state.firstSequence, 1), last: state.lastSequence)
        }
    }

    package func follow(_ stream: EventLogStream, from start: UInt64) throws -> AsyncStream<LoggedEvent> {
        let consumer: OrderedConsumer
        do {
            consumer = try jetStream.follow(stream: stream.streamName, subject: stream.subject, from: start)
        } catch let error as NATSError {
            throw PipelineError.unavailable(dependency: "NATS JetStream", reason: error.description)
        }
        return AsyncStream { continuation in
            let task = Task {
                for await message in consumer {
                    continuation.yield(
                        LoggedEvent(stream: stream, sequence: message.sequence, payload: Self.payload(message, stream)))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in
                task.cancel()
                consumer.close()
            }
        }
    }

    /// The decoded message, or nil when it is not one this build reads.
    static func payload(_ message: StoredMessage, _ stream: EventLogStream) -> LoggedEvent.Payload? {
        let tag = message.headers[schemaHeader]
        switch stream {
        case .sessions: return (try? IndexResult.decoded(from: message.data, schemaTag: tag)).map { .session($0) }
        case .compositions:
            return (try? CompositionEvent.decoded(from: message.data, schemaTag: tag)).map { .composition($0) }
        case .jobs: return (try? JobRecord.decoded(from: message.data, schemaTag: tag)).map { .job($0) }
        }
    }
}
