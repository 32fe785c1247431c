import APIService
import ChangeDetectorService
import Contracts
import FetcherService
import Foundation
import IndexBuilderService
import NATSClient
import Pipeline
import ServiceSupport
import StorageService
import Synchronization
import TestSupport
import Testing
import ValidatorService

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Every service starts, connects, answers its health checks, and stops when asked.
@Suite("Service lifecycle")
struct ServiceLifecycleTests {
    static let services:
        [(name: String, run: @Sendable (ServiceConfiguration, @escaping @Sendable (Int) -> Void) async throws -> Void)] =
            [
                (Fetcher.name, { try await Fetcher.run(configuration: $0, signals: [], onHTTPPort: $1) }),
                (Validator.name, { try await Validator.run(configuration: $0, signals: [], onHTTPPort: $1) }),
                (IndexBuilder.name, { try await IndexBuilder.run(configuration: $0, signals: [], onHTTPPort: $1) }),
                (ChangeDetector.name, { try await ChangeDetector.run(configuration: $0, signals: [], onHTTPPort: $1) }),
                (Storage.name, { try await Storage.run(configuration: $0, signals: [], onHTTPPort: $1) }),
                (API.name, { try await API.run(configuration: $0, signals: [], onHTTPPort: $1) }),
            ]

    @Test(
        "each service answers /health, /ready, /metrics and a NATS ping, then stops on cancellation",
        arguments: 0..<6)
    func inProcess(index: Int) async throws {
        let (name, run) = Self.services[index]
        let environment = try await NATSTestEnvironment()
        let configuration = try ServiceConfiguration(
            environment: [
                "NATS_URL": environment.server.url, "HEALTH_PORT": "0", "API_PORT": "0", "LOG_LEVEL": "critical",
            ],
            service: name
        )
        let port = Mutex<Int?>(nil)
        let task = Task { try await run(configuration) { bound in port.withLock { $0 = bound } } }

        #expect(await eventually { port.withLock { $0 } != nil })
        let base = "http://127.0.0.1:\(try #require(port.withLock { $0 }))"
        let health = try await get(base + "/health")
        #expect(health.status == 200)
        #expect(health.body.contains("\"service\":\"\(name)\""))
        // The API is ready only when storage answers: not ready alone, ready once storage runs.
        var storage: Task<Void, any Error>?
        if name == API.name {
            try await Task.sleep(for: .seconds(1))
            #expect(try await get(base + "/ready").status == 503)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lifecycle-\(UUID().uuidString)")
            let storageConfiguration = try ServiceConfiguration(
                environment: [
                    "NATS_URL": environment.server.url, "HEALTH_PORT": "0", "DATA_DIR": folder.path,
                    "LOG_LEVEL": "critical",
                ],
                service: Storage.name
            )
            storage = Task { try await Storage.run(configuration: storageConfiguration, signals: []) }
        }
        defer { storage?.cancel() }
        #expect(await eventually { (try? await get(base + "/ready").status) == 200 })
        let metrics = try await get(base + "/metrics")
        #expect(metrics.status == 200)

        let pong = try await environment.pipeline.ping(name, timeout: .seconds(30))
        #expect(pong.service == name)
        // Readiness is probed live (the API's with a 1 s storage timeout): ready again within the wait, not on the
        // very first ping, when the full suite keeps the process busy.
        #expect(
            await eventually(timeout: .seconds(30)) {
                (try? await environment.pipeline.ping(name, timeout: .seconds(5)))?.ready == true
            })

        task.cancel()
        _ = await task.result
        // Stopped: nobody answers pings any more.
        let silence = await #expect(throws: PipelineError.self) {
            _ = try await environment.pipeline.ping(name, timeout: .seconds(2))
        }
        #expect(silence?.description.contains("no responders on health.ping.\(name)") == true)
        await environment.shutdown()
    }

    @Test("/ready says 503 while NATS is down, and 200 again after it is back")
    func readinessFollowsNATS() async throws {
        let environment = try await NATSTestEnvironment()
        let configuration = try ServiceConfiguration(
            environment: ["NATS_URL": environment.server.url, "HEALTH_PORT": "0", "LOG_LEVEL": "critical"],
            service: Validator.name
        )
        let port = Mutex<Int?>(nil)
        let task = Task {
            try await Validator.run(configuration: configuration, signals: []) { bound in port.withLock { $0 = bound } }
        }
        #expect(await eventually { port.withLock { $0 } != nil })
        let ready = "http://127.0.0.1:\(try #require(port.withLock { $0 }))/ready"
        #expect(await eventually { (try? await get(ready).status) == 200 })
        environment.server.stop()
        #expect(await eventually { (try? await get(ready).status) == 503 })
        #expect(try await get(ready).body.contains("\"nats\":false"))
        try environment.server.start()
        #expect(await eventually { (try? await get(ready).status) == 200 })
        task.cancel()
        _ = await task.result
        await environment.shutdown()
    }
}

/// GETs a URL; status and body.
func get(_ url: String) async throws -> (status: Int, body: String) {
    let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
}
