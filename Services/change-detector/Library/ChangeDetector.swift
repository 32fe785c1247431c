import Contracts
import Methodology
import NATSClient
import ServiceLifecycle
import ServiceSupport

/// The `change-detector` service: one composition event per index session (none for the base).
package enum ChangeDetector: PipelineService {
    package static let abstract = "Publishes the composition changes between consecutive index sessions."
    package static let name = "change-detector"

    /// The index-results consumer.
    package static func parts(_ context: ServiceContext) async throws -> [any Service] {
        guard let spec = Topology.pipeline.consumer(ConsumerName.changeDetector) else { return [] }
        let calculator = IndexCalculator(index: Subjects.defaultIndex, size: context.configuration.indexSize)
        let jetStream = context.jetStream
        let runner = ConsumerRunner(
            jetStream: jetStream, spec: spec, options: ConsumerRunnerOptions(batch: 32), logger: context.logger
        ) { message in
            let result = try IndexResult.decoded(from: message)
            guard let event = calculator.compositionEvent(for: result) else { return }
            let body = try event.encoded()
            _ = try await jetStream.publish(
                Subjects.compositionChanged(event.index, event.date), data: body, headers: event.headers,
                messageID: "changes:\(event.index):\(event.date):\(ContentHash.hex(body))"
            )
        }
        return [runner.service]
    }
}
