import ServiceLifecycle
import ServiceSupport

/// The `change-detector` service.
package enum ChangeDetector: PipelineService {
    package static let abstract = "Publishes the composition changes between consecutive index sessions."
    package static let name = "change-detector"

    /// No consumers yet: the pipeline stages arrive with the pipeline issue.
    package static func parts(_ context: ServiceContext) async throws -> [any Service] { [] }
}
