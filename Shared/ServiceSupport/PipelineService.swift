import ArgumentParser
import Foundation
import Hummingbird
import ServiceLifecycle
import UnixSignals

/// A pipeline process: a name and the long-running parts it adds to what ``ServiceHost`` provides.
package protocol PipelineService {
    /// The executable and logger name.
    static var name: String { get }
    /// One line for `--help`.
    static var abstract: String { get }
    /// The service's own parts (consumers, responders, schedulers).
    static func parts(_ context: ServiceRuntime) async throws -> [any Service]
    /// Where the HTTP endpoint listens when not on the health port (the API's own address).
    static func httpAddress(_ configuration: ServiceConfiguration) -> (host: String, port: Int)?
    /// Readiness checks beyond NATS and the topology.
    static func readinessChecks(_ context: ServiceRuntime) -> [ReadinessCheck]
    /// The HTTP endpoint: by default health, readiness and metrics on the health address.
    static func httpEndpoint(_ context: ServiceRuntime, _ endpoint: HTTPEndpoint) async throws -> any Service
    /// What the executable must hold alone for as long as it runs (storage: its SQLite `DATA_DIR`), taken before it
    /// connects; throwing stops the process at start.
    static func claimExclusively(_ configuration: ServiceConfiguration) throws -> (any Sendable)?
}

extension PipelineService {
    /// The health host and port.
    package static func httpAddress(_ configuration: ServiceConfiguration) -> (host: String, port: Int)? { nil }

    /// None beyond NATS and the topology.
    package static func readinessChecks(_ context: ServiceRuntime) -> [ReadinessCheck] { [] }

    /// Only health, readiness and metrics.
    package static func httpEndpoint(_ context: ServiceRuntime, _ endpoint: HTTPEndpoint) async throws -> any Service {
        try HTTPEndpoint.healthOnly(context, endpoint)
    }

    /// Nothing.
    package static func claimExclusively(_ configuration: ServiceConfiguration) throws -> (any Sendable)? { nil }

    /// Runs the service until SIGTERM/SIGINT (or, with no signals, until the task is cancelled).
    package static func run(
        configuration: ServiceConfiguration,
        signals: [UnixSignal] = [.sigterm, .sigint],
        onHTTPPort: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws {
        try await ServiceHost.run(
            name: name, configuration: configuration, signals: signals, checks: { readinessChecks($0) },
            onHealthPort: onHTTPPort, http: httpAddress(configuration), endpoint: { try await httpEndpoint($0, $1) },
            parts: { try await parts($0) }
        )
    }
}

/// The command line of a pipeline service executable: the common flags, then run until SIGTERM.
package struct ServiceCommand<Service: PipelineService>: AsyncParsableCommand {
    package static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: Service.name, abstract: Service.abstract)
    }

    @OptionGroup package var common: CommonOptions

    /// Parsed by ArgumentParser.
    package init() {}

    /// Runs the service until SIGTERM.
    ///
    /// Only the executable claims its exclusive resources (in-process tests run services on shared directories) and
    /// tunes the allocator (before the service's threads allocate).
    package func run() async throws {
        MemoryTuning.limitArenas(environment: ProcessInfo.processInfo.environment)
        let configuration = try common.configuration(service: Service.name)
        let claim = try Service.claimExclusively(configuration)
        try await Service.run(configuration: configuration)
        withExtendedLifetime(claim) {}
    }
}
