import Contracts
import Methodology
import Pipeline
import ServiceLifecycle
import ServiceSupport

/// The `change-detector` service: one composition event per index session (none for the base).
package enum ChangeDetector: PipelineService {
    package static let abstract = "Publishes the composition changes between consecutive index sessions."
    package static let name = "change-detector"

    /// The index-results consumer.
    package static func parts(_ runtime: ServiceRuntime) async throws -> [any Service] {
        let stage = ChangeStage(
            publisher: runtime.pipeline,
            calculator: IndexCalculator(index: Indexes.defaultID, size: runtime.configuration.indexSize)
        )
        let consumer = StageConsumer<IndexResult>(ConsumerName.changeDetector, batch: 32) { await stage.handle($0) }
        return [runtime.pipeline.runner(consumer, logger: runtime.logger).service]
    }
}

/// Turns each index result into its composition event.
package struct ChangeStage: Sendable {
    private let publisher: any PipelinePublishing
    private let calculator: IndexCalculator

    /// A stage publishing through `publisher`.
    package init(publisher: any PipelinePublishing, calculator: IndexCalculator) {
        self.publisher = publisher
        self.calculator = calculator
    }

    /// Publishes the event of each result (none for a base session or a retraction), in order.
    package func handle(_ deliveries: [Delivery<IndexResult>]) async -> [MessageOutcome] {
        var outcomes: [MessageOutcome] = []
        for delivery in deliveries {
            outcomes.append(
                await delivery.traced("detect changes") {
                    await MessageOutcome.of {
                        guard var event = calculator.compositionEvent(for: delivery.message) else { return }
                        event.resultSequence = delivery.control.streamSequence
                        try await publisher.publish(event)
                    }
                })
        }
        return outcomes
    }
}
