import FetcherService
import Providers
import ServiceSupport
import TestSupport
import Testing

/// The fetcher refuses to start on vendor settings it cannot honour.
@Suite("Fetcher start-up settings")
struct FetcherSettingsTests {
    @Test(
        "PROVIDER_MAX_ATTEMPTS, or a vendor value that does not parse, stops the fetcher at start-up even with sim",
        arguments: [("PROVIDER_MAX_ATTEMPTS", "4"), ("PROVIDER_TIMEOUT", "soon")])
    func refusesAtStart(name: String, value: String) async throws {
        let environment = try await NATSTestEnvironment()
        let configuration = try ServiceConfiguration(
            environment: [
                "NATS_URL": environment.server.url, "HEALTH_PORT": "0", "LOG_LEVEL": "critical", "PROVIDER": "sim",
                "SCHEDULE_ENABLED": "false", name: value,
            ],
            service: Fetcher.name
        )
        let error = await #expect(throws: VendorConfigurationError.self) {
            try await Fetcher.run(configuration: configuration, signals: [])
        }
        #expect(error.map { "\($0)" }?.contains(name) == true)
        await environment.shutdown()
    }
}
