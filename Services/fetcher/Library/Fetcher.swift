import ServiceLifecycle
import ServiceSupport

/// The `fetcher` service.
package enum Fetcher: PipelineService {
    package static let abstract = "Fetches price batches from a provider and publishes them on prices.raw."
    package static let name = "fetcher"

    /// No consumers yet: the pipeline stages arrive with the pipeline issue.
    package static func parts(_ context: ServiceContext) async throws -> [any Service] { [] }
}
