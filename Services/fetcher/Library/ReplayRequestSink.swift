import Contracts
import NATSClient

/// Where the scheduler sends the replay requests it makes.
package protocol ReplayRequestSink: Sendable {
    /// Publishes `request` durably.
    func publish(_ request: ReplayRequest) async throws
}

/// Publishes replay requests on JetStream (`replay.requested.<id>`), the path `indexctl backfill` takes, with the
/// replay id as the message id: the same request published twice within the duplicate window is stored once.
package struct JetStreamReplaySink: ReplayRequestSink {
    private let jetStream: JetStream

    /// A sink on `jetStream`.
    package init(jetStream: JetStream) {
        self.jetStream = jetStream
    }

    /// Returns once the REPLAY stream has stored the request.
    package func publish(_ request: ReplayRequest) async throws {
        _ = try await jetStream.publish(
            Subjects.replayRequested(request.replayID), data: try request.encoded(), headers: request.headers,
            messageID: request.replayID
        )
    }
}
