import ArgumentParser
import Contracts
import Foundation
import Logging
import Pipeline
import ServiceSupport

extension IndexCtl {
    /// `indexctl ping`: asks every service whether it is alive and ready, over NATS.
    package struct Ping: AsyncParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "Ask every service over NATS whether it is up and ready; exit 1 if any is not."
        )

        @Option(name: .customLong("nats-url"), help: "NATS server URL (NATS_URL).")
        package var natsURL: String?

        @Option(help: "Seconds to wait for each answer.")
        package var timeout: Double = 2

        /// Parsed by ArgumentParser.
        package init() {}

        /// The services that answer pings.
        package static let services = ["storage", "fetcher", "validator", "index-builder", "change-detector", "api"]

        package func run() async throws {
            let configuration = try ServiceConfiguration()
            let url = natsURL ?? configuration.natsURL
            var logger = Logger(label: "indexctl")
            logger.logLevel = .error  // the answer table is the output; connection chatter is not
            let pipeline = try await NATSPipeline.connectTool(url: url, name: "indexctl", logger: logger)
            var failed = false
            for service in Self.services {
                do {
                    let health = try await pipeline.ping(service, timeout: .milliseconds(Int64(timeout * 1000)))
                    print("\(service)\t\(health.ready ? "ready" : "not ready")\tup \(Int(health.uptimeSeconds))s")
                    failed = failed || !health.ready
                } catch {
                    print("\(service)\tdown\t\(error)")
                    failed = true
                }
            }
            await pipeline.close()
            if failed { throw ExitCode(1) }
        }
    }
}
