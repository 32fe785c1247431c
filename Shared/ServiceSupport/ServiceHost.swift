import Contracts
import Foundation
import Hummingbird
import Logging
import NATSClient
import Pipeline
import Resilience
import ServiceLifecycle
import Synchronization
import UnixSignals

/// What a service's own parts get from the host: its name, configuration, logger and the pipeline.
package struct ServiceRuntime: Sendable {
    /// The service name (`validator`, ...), also its logger label.
    package var name: String
    /// The configuration.
    package var configuration: ServiceConfiguration
    /// The service's logger.
    package var logger: Logger
    /// The pipeline: publishing, storage, consumers and responders.
    package var pipeline: NATSPipeline
    /// Readiness checks the parts add while they are built (storage's database), run by `/ready` with the others.
    package let readiness = ReadinessChecks()
}

/// Readiness checks added while a service's parts are built, when what they check only exists then.
package final class ReadinessChecks: Sendable {
    private let checks = Mutex<[ReadinessCheck]>([])

    /// An empty list.
    package init() {}

    /// Adds `check`.
    package func add(_ check: ReadinessCheck) {
        checks.withLock { $0.append(check) }
    }

    /// The checks added so far.
    package var all: [ReadinessCheck] { checks.withLock { $0 } }
}

/// Runs one pipeline process: logging, metrics and (with `OTEL_EXPORTER_OTLP_ENDPOINT`) tracing, NATS with unlimited
/// reconnects, the topology ensured, an HTTP endpoint (health, readiness, metrics and any service routes) and a ping
/// responder, then the service's own parts, all in one `ServiceGroup` that ends on SIGTERM.
package enum ServiceHost {
    /// Runs until a shutdown signal arrives (or the task is cancelled), then stops every part and closes NATS.
    ///
    /// - Parameters:
    ///   - signals: the signals that start a graceful shutdown; tests pass none and cancel the task.
    ///   - checks: readiness checks beyond NATS and the topology.
    ///   - onHealthPort: called with the bound HTTP port (useful with port 0).
    ///   - http: where the HTTP endpoint listens, when not the health host and port (the API's own address).
    ///   - endpoint: builds the HTTP endpoint; by default health, readiness and metrics only.
    ///   - parts: the service's own long-running parts.
    package static func run(
        name: String,
        configuration: ServiceConfiguration,
        signals: [UnixSignal] = [.sigterm, .sigint],
        checks: @escaping @Sendable (ServiceRuntime) -> [ReadinessCheck] = { _ in [] },
        onHealthPort: @escaping @Sendable (Int) -> Void = { _ in },
        http: (host: String, port: Int)? = nil,
        endpoint: @escaping @Sendable (ServiceRuntime, HTTPEndpoint) async throws -> any Service = HTTPEndpoint
            .healthOnly,
        parts: @escaping @Sendable (ServiceRuntime) async throws -> [any Service]
    ) async throws {
        Observability.bootstrapLogging(format: configuration.logFormat, level: configuration.logLevel)
        _ = Observability.registry
        let logger = {
            var logger = Logger(label: name)
            logger.logLevel = configuration.logLevel
            return logger
        }()
        let startedAt = ContinuousClock.now
        // Before anything publishes: a span started before the bootstrap would belong to the no-op tracer.
        let tracing = try Observability.bootstrapTracing(
            service: name, environment: configuration.environment, logger: logger)

        guard
            let connection = try await connectUntilUp(
                configuration: configuration, name: name, signals: signals, logger: logger)
        else {
            logger.info("stopped before NATS was reachable")
            return
        }
        let pipeline: NATSPipeline
        do {
            pipeline = try NATSPipeline(connection: connection, logger: logger)
        } catch {
            await connection.close()
            throw error
        }
        let context = ServiceRuntime(name: name, configuration: configuration, logger: logger, pipeline: pipeline)
        let topology = TopologyService(
            jetStream: pipeline.jetStream, replicas: configuration.natsReplicas, logger: logger)

        let own: [any Service]
        do {
            own = try await parts(context)
        } catch {
            await connection.close()
            throw error
        }

        let natsCheck = ReadinessCheck(name: "nats") { connection.isConnected }
        let topologyCheck = ReadinessCheck(name: "topology") { topology.isReady }
        let allChecks = [natsCheck, topologyCheck] + checks(context) + context.readiness.all
        let health: any Service
        do {
            health = try await endpoint(
                context,
                HTTPEndpoint(
                    service: name, host: http?.host ?? configuration.healthHost,
                    port: http?.port ?? configuration.healthPort, startedAt: startedAt, checks: allChecks,
                    onPort: onHealthPort, logger: logger
                )
            )
        } catch {
            await connection.close()
            throw error
        }
        let ping = TaskService(name: "health-ping") {
            try await pipeline.answerPings(service: name) {
                var ready = true
                for check in allChecks where !(await check.check()) { ready = false }
                let uptime = ContinuousClock.now - startedAt
                return HealthReply(
                    service: name, ready: ready, uptimeSeconds: Double(uptime.components.seconds),
                    breakers: BreakerStatus.all()
                )
            }
        }

        let group = ServiceGroup(
            configuration: .init(
                // Nothing consumes or answers before every stream and consumer exists: with interest retention, a
                // message published while a consumer is still missing would never reach it.
                // The exporter first, so that it stops last: its shutdown flushes the spans of everything else.
                services: ((tracing.map { [$0] } ?? []) + [topology, ping] as [any Service]
                    + own.map { GatedService(gate: topology, service: $0) as any Service }
                    + [health] as [any Service]).map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: signals,
                cancellationSignals: [],
                logger: logger
            )
        )
        logger.info("starting", metadata: ["nats.url": "\(configuration.natsURL)"])
        do {
            try await group.run()
        } catch {
            logger.error("stopped with an error", metadata: ["error": "\(error)"])
            await connection.close()
            throw error
        }
        await connection.close()
        logger.info("stopped")
    }
}

extension ServiceHost {
    /// Connects and waits until the connection is up, starting over when libnats gives a first connection up for
    /// good (it can, when the server goes away in the middle of the first handshake). Once up, libnats reconnects
    /// forever by itself. Returns nil when a shutdown signal arrives first.
    static func connectUntilUp(
        configuration: ServiceConfiguration, name: String, signals: [UnixSignal], logger: Logger
    ) async throws -> NATSConnection? {
        try await withThrowingTaskGroup(of: NATSConnection?.self) { group in
            group.addTask {
                var attempt = 0
                while true {
                    try Task.checkCancellation()
                    let connection = try await NATSConnection.connect(
                        NATSConnectionOptions(url: configuration.natsURL, name: name), logger: logger
                    )
                    while !connection.isConnected && !connection.isClosed {
                        do {
                            try await Task.sleep(for: .milliseconds(50))
                        } catch {
                            await connection.close()
                            throw error
                        }
                    }
                    if connection.isConnected { return connection }
                    await connection.close()
                    attempt += 1
                    logger.warning(
                        "NATS closed the first connection; connecting again", metadata: ["nats.attempt": "\(attempt)"])
                    try await Task.sleep(for: .milliseconds(min(2000, 200 * attempt)))
                }
            }
            if !signals.isEmpty {
                group.addTask {
                    for await _ in await UnixSignalsSequence(trapping: signals) { return nil }
                    return nil
                }
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}

/// Ensures the pipeline topology at start-up, retrying while NATS is unreachable.
package final class TopologyService: Service, Sendable {
    private let jetStream: JetStream
    private let topology: Topology
    private let logger: Logger
    private let ready = Atomic(false)

    /// A service that ensures ``Topology/pipeline`` with every stream on `replicas` servers (`NATS_REPLICAS`).
    package init(jetStream: JetStream, replicas: Int = 1, logger: Logger) {
        self.jetStream = jetStream
        self.topology = Topology.pipeline.replicated(replicas)
        self.logger = logger
    }

    /// Whether the topology has been ensured.
    package var isReady: Bool { ready.load(ordering: .acquiring) }

    /// Returns once the topology has been ensured (throws when cancelled first).
    package func waitUntilReady() async throws {
        while !isReady {
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Ensures the topology, then waits for shutdown.
    package func run() async throws {
        var attempt = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await jetStream.ensure(topology)
                ready.store(true, ordering: .releasing)
                logger.info(
                    "JetStream topology ensured",
                    metadata: [
                        "nats.streams": "\(topology.streams.count)",
                        "nats.replicas": "\(topology.streams.first?.replicas ?? 1)",
                    ])
                break
            } catch {
                attempt += 1
                if attempt == 1 || attempt % 20 == 0 {
                    logger.warning("cannot ensure the JetStream topology yet", metadata: ["error": "\(error)"])
                }
                let delay = Duration.milliseconds(min(2000, 100 * attempt))
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            }
        }
        try? await gracefulShutdown()
    }
}

/// Starts a service only once the topology is ensured.
struct GatedService: Service {
    let gate: TopologyService
    let service: any Service

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await gate.waitUntilReady() }
        } catch is CancellationError {
            return
        }
        try await service.run()
    }
}

/// A long-running loop as a service: cancelled when a graceful shutdown begins.
package struct TaskService: Service {
    /// A name for logs.
    package var name: String
    private let body: @Sendable () async throws -> Void

    /// A service running `body` until it returns or shutdown begins.
    package init(name: String, body: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.body = body
    }

    /// Runs the body, cancelled on graceful shutdown.
    package func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await body() }
        } catch is CancellationError {
            // Shutdown.
        }
    }
}

extension ConsumerRunner {
    /// The runner as a service that stops fetching when shutdown begins.
    package var service: TaskService {
        TaskService(name: spec.durable) { try await self.run() }
    }
}
