import Contracts
import NATSClient
import ServiceLifecycle
import ServiceSupport

/// The `storage` service: the single writer of the database.
package enum Storage: PipelineService {
    package static let abstract = "The single writer of the SQLite database; answers storage queries."
    package static let name = "storage"

    /// The dead-letter watcher: messages whose deliveries ran out without an answer go to `dlq.<subject>`.
    package static func parts(_ context: ServiceContext) async throws -> [any Service] {
        guard let spec = Topology.pipeline.consumer(ConsumerName.deadLetterWatcher) else { return [] }
        let watcher = ConsumerRunner(
            jetStream: context.jetStream,
            spec: spec,
            logger: context.logger,
            handler: DeadLetters.advisoryHandler(jetStream: context.jetStream, logger: context.logger)
        )
        return [watcher.service]
    }
}
