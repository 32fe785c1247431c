import ArgumentParser
import Contracts
import Foundation
import IndexCtl
import NATSClient
import Pipeline
import TestSupport
import Testing
import TradingCalendar

#if canImport(Glibc)
    import Glibc
#endif

/// Every service as a built executable on its own nats-server and data folder, with a connection for the test:
/// what an operator runs, with each process's environment under the test's control.
final class ExecutableStack: @unchecked Sendable {
    // `@unchecked`: the processes are started and stopped by the test's own task only.
    static let services = ["storage", "validator", "index-builder", "change-detector", "fetcher", "api"]

    let environment: NATSTestEnvironment
    let folder: URL
    let processEnvironment: [String: String]
    var processes: [String: ServiceProcess] = [:]
    private let isShutDown = Locked(false)

    /// Starts a server and every service in `services` with `extra` on top of the common environment, and waits
    /// until each answers its ping ready.
    init(_ extra: [String: String] = [:], services: [String] = ExecutableStack.services) async throws {
        let environment = try await NATSTestEnvironment(name: "stack")
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("stack-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var variables = ProcessInfo.processInfo.environment
        variables["NATS_URL"] = environment.server.url
        variables["DATA_DIR"] = folder.appendingPathComponent("data").path
        variables["HEALTH_PORT"] = "0"
        variables["API_PORT"] = String(try freeLoopbackPort())
        variables["SIM_TICKERS"] = "60"
        variables["INDEX_SIZE"] = "5"
        variables["LOG_LEVEL"] = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"] ?? "info"
        variables.merge(extra) { $1 }
        processEnvironment = variables
        self.environment = environment
        for name in services { try start(name) }
        for name in services {
            let up = await eventually(timeout: .seconds(30), every: .milliseconds(100)) { await self.isReady(name) }
            #expect(up, "\(name) did not come up; logs in \(folder.path)")
        }
    }

    var url: String { environment.server.url }

    /// Starts (or restarts) a service, with `extra` on top of the stack's environment.
    func start(_ name: String, _ extra: [String: String] = [:]) throws {
        let process = ServiceProcess(name, environment: processEnvironment.merging(extra) { $1 }, logDirectory: folder)
        try process.start()
        processes[name] = process
    }

    /// Stops a service with SIGTERM; true when it exited in time.
    @discardableResult
    func stop(_ name: String) async -> Bool {
        guard let process = processes[name] else { return true }
        return await offPool { process.stop() }
    }

    /// Whether `name` answers its ping ready.
    func isReady(_ name: String) async -> Bool {
        guard let health = try? await environment.pipeline.ping(name, timeout: .seconds(1)) else { return false }
        return health.ready
    }

    /// Runs an `indexctl` command in this process against the stack.
    func indexctl(_ arguments: [String]) async throws {
        var command = try IndexCtl.parseAsRoot(arguments + ["--nats-url", url])
        if var asyncCommand = command as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    }

    /// Runs the built `indexctl` executable; returns its exit status and standard output.
    func indexctlExecutable(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try builtExecutable("indexctl")
        process.arguments = arguments + ["--nats-url", url]
        process.environment = processEnvironment
        let output = folder.appendingPathComponent("indexctl-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = FileHandle.nullDevice
        try process.run()
        await offPool { process.waitUntilExit() }
        try handle.close()
        return (process.terminationStatus, try String(contentsOf: output, encoding: .utf8))
    }

    /// Asks storage.
    func ask<Query: StorageQuery>(_ query: Query) async throws -> Query.Reply {
        try await environment.pipeline.storage.ask(query)
    }

    /// Stops every service and the server, once; keeps the folder (with every log) when `keep`.
    func shutdown(keep: Bool = false) async {
        let first = isShutDown.update { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        let running = Array(processes.values)
        await offPool { for process in running { process.stop() } }
        await environment.shutdown()
        if !keep { try? FileManager.default.removeItem(at: folder) }
    }
}

/// Runs a blocking wait (a child process's exit) on a thread of its own, so it never holds one of the few threads of
/// the concurrency pool that the tests running alongside need.
func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: body()) }
    }
}

/// The suites that run whole stacks of executables: one stack at a time, so they do not starve each other (nor the
/// timing of the tests running beside them) on a small machine.
@Suite("Executable stacks", .serialized)
enum ExecutableStackSuites {}
