import ServiceLifecycle
import ServiceSupport

/// The `validator` service.
package enum Validator: PipelineService {
    package static let abstract = "Validates raw price batches: valid rows to prices.valid, rejections to prices.rejected."
    package static let name = "validator"

    /// No consumers yet: the pipeline stages arrive with the pipeline issue.
    package static func parts(_ context: ServiceContext) async throws -> [any Service] { [] }
}
