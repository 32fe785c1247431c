import ArgumentParser
import Contracts
import Foundation
import Logging
import Pipeline
import ServiceSupport

extension IndexCtl {
    /// `indexctl status [--json]`: stream and consumer lag, breaker states and the last session per stage.
    package struct Status: AsyncParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "Show stream and consumer lag, each service's circuit breakers and the last session per stage."
        )

        @Flag(help: "Print one JSON object instead of tables.")
        package var json = false

        @Option(name: .customLong("nats-url"), help: "NATS server URL (NATS_URL).")
        package var natsURL: String?

        @Option(help: "Seconds to wait for each service and for storage.")
        package var timeout: Double = 2

        /// Parsed by ArgumentParser.
        package init() {}

        package func run() async throws {
            let url = try natsURL ?? ServiceConfiguration().natsURL
            var logger = Logger(label: "indexctl")
            logger.logLevel = .error
            let pipeline: NATSPipeline
            do {
                pipeline = try await NATSPipeline.connectTool(url: url, name: "indexctl", logger: logger)
            } catch {
                FileHandle.standardError.write(Data("indexctl status: cannot reach NATS at \(url): \(error)\n".utf8))
                throw ExitCode(1)
            }
            let report = await StatusReport.gather(
                pipeline: pipeline, timeout: .milliseconds(Int64(max(0.1, timeout) * 1000))
            )
            await pipeline.close()
            print(json ? try report.json() : report.table())
        }
    }
}
