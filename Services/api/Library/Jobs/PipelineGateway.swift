import Contracts
import Foundation
import NATSClient
import Synchronization

/// What a build job does to and asks of the pipeline: publish its replay request, learn whether the fetcher has
/// finished it and whether the stages have drained. Faked in tests.
package protocol PipelineGateway: Sendable {
    /// Publishes the replay request (idempotent per replay id).
    func publish(_ request: ReplayRequest) async throws
    /// Whether the fetcher still holds the request (not yet acknowledged).
    func isReplayPending(_ replayID: String) async throws -> Bool
    /// Whether every pipeline consumer has nothing pending and nothing unacknowledged.
    func isDrained() async throws -> Bool
}

/// ``PipelineGateway`` over JetStream.
package struct JetStreamPipelineGateway: PipelineGateway {
    private let jetStream: JetStream

    /// A gateway on `jetStream`.
    package init(jetStream: JetStream) { self.jetStream = jetStream }

    package func publish(_ request: ReplayRequest) async throws {
        _ = try await jetStream.publish(
            Subjects.replayRequested(request.replayID), data: try request.encoded(), headers: request.headers,
            messageID: request.replayID
        )
    }

    package func isReplayPending(_ replayID: String) async throws -> Bool {
        // The replay stream is a work queue: the fetcher's acknowledgement removes the request.
        try await jetStream.lastMessage(stream: StreamName.replay, subject: Subjects.replayRequested(replayID)) != nil
    }

    package func isDrained() async throws -> Bool {
        for consumer in Topology.pipeline.stageConsumers {
            guard try await jetStream.consumerState(stream: consumer.stream, durable: consumer.durable).isIdle else {
                return false
            }
        }
        return true
    }
}
