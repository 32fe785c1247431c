import Hummingbird
import Logging
import ServiceLifecycle

/// What a service's HTTP endpoint is built from: where it listens, the readiness checks `/ready` runs, and the
/// callback told the bound port.
package struct HTTPEndpoint: Sendable {
    /// The service name (server name and `/health` answer).
    package var service: String
    /// The bind host.
    package var host: String
    /// The bind port; 0 picks a free one.
    package var port: Int
    /// When the process started, for uptime.
    package var startedAt: ContinuousClock.Instant
    /// The checks `/ready` runs.
    package var checks: [ReadinessCheck]
    /// Called with the bound port once listening.
    package var onPort: @Sendable (Int) -> Void
    /// The service's logger.
    package var logger: Logger

    /// An endpoint description.
    package init(
        service: String, host: String, port: Int, startedAt: ContinuousClock.Instant, checks: [ReadinessCheck],
        onPort: @escaping @Sendable (Int) -> Void, logger: Logger
    ) {
        self.service = service
        self.host = host
        self.port = port
        self.startedAt = startedAt
        self.checks = checks
        self.onPort = onPort
        self.logger = logger
    }

    /// The server configuration for this address.
    package var serverConfiguration: ApplicationConfiguration {
        ApplicationConfiguration(address: .hostname(host, port: port), serverName: service)
    }

    /// Logs the bound port and tells `onPort`.
    package func running(_ port: Int?) {
        let port = port ?? self.port
        logger.info("HTTP endpoint listening", metadata: ["http.port": "\(port)"])
        onPort(port)
    }

    /// `/health`, `/ready` and `/metrics` only.
    package static func healthOnly(_ context: ServiceRuntime, _ endpoint: HTTPEndpoint) throws -> any Service {
        let router = Router()
        router.addHealthRoutes(service: endpoint.service, startedAt: endpoint.startedAt, checks: endpoint.checks)
        return Application(
            router: router,
            configuration: endpoint.serverConfiguration,
            onServerRunning: { endpoint.running($0.localAddress?.port) },
            logger: endpoint.logger
        )
    }
}
