import ServiceLifecycle
import ServiceSupport

/// The `api` service: REST over the stored index, on `API_HOST:API_PORT`.
package enum API: PipelineService {
    package static let abstract = "The REST API over the stored index."
    package static let name = "api"

    /// `/health`, `/ready` and `/metrics` are served on the API's own address.
    package static func httpAddress(_ configuration: ServiceConfiguration) -> (host: String, port: Int)? {
        (configuration.apiHost, configuration.apiPort)
    }

    /// No background parts yet: the REST endpoints arrive with the pipeline and API issues.
    package static func parts(_ context: ServiceContext) async throws -> [any Service] { [] }
}
