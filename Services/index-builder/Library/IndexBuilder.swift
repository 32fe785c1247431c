import ServiceLifecycle
import ServiceSupport

/// The `index-builder` service.
package enum IndexBuilder: PipelineService {
    package static let abstract = "Computes the equal-weighted index from validated prices, session by session."
    package static let name = "index-builder"

    /// No consumers yet: the pipeline stages arrive with the pipeline issue.
    package static func parts(_ context: ServiceContext) async throws -> [any Service] { [] }
}
