import Foundation
import NATSClient
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// The built executables as an operator runs them: start, connect, log, stop on SIGTERM with exit status 0.
@Suite("Service executables")
struct ExecutableTests {
    @Test(
        "SIGTERM stops each service cleanly",
        arguments: ["fetcher", "validator", "index-builder", "change-detector", "storage", "api"])
    func sigterm(service: String) async throws {
        let server = try NATSServerProcess()
        defer { server.shutdown() }
        let port = try freeLoopbackPort()
        let process = Process()
        process.executableURL = try builtExecutable(service)
        var environment = ProcessInfo.processInfo.environment
        environment["NATS_URL"] = server.url
        environment["HEALTH_PORT"] = String(port)
        environment["API_PORT"] = String(port)
        environment["LOG_FORMAT"] = "json"
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        try waitUntilListening(port: port, timeout: 20)
        // One whole exchange before the signal: the bare connect above must have been served, not still being
        // accepted, when shutdown begins (NIO asserts on a connection activated during shutdown).
        var probe = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/health")!)
        probe.setValue("close", forHTTPHeaderField: "Connection")
        let (_, response) = try await URLSession.shared.data(for: probe)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)

        kill(process.processIdentifier, SIGTERM)
        let exited = await eventually(timeout: .seconds(20)) { !process.isRunning }
        if !exited { kill(process.processIdentifier, SIGKILL) }
        #expect(exited, "\(service) did not stop after SIGTERM")
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)

        // Structured logs: every line is a JSON object naming the service; it connected and it stopped.
        let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let lines = output.split(separator: "\n")
        let records = lines.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
        #expect(!records.isEmpty)
        #expect(records.count == lines.count, "a log line is not JSON: \(output)")
        #expect(records.allSatisfy { $0["logger"] as? String == service })
        #expect(records.contains { $0["msg"] as? String == "NATS connected" })
        #expect(records.contains { $0["msg"] as? String == "stopped" })
    }

    @Test("indexctl sessions prints the sessions of a range and nothing else")
    func indexctlSessions() throws {
        let (status, output, _) = try run(["sessions", "--from", "2012-10-26", "--to", "2012-11-02"])
        #expect(status == 0)
        // Hurricane Sandy closed the exchange on 29 and 30 October 2012.
        #expect(output == "2012-10-26\n2012-10-31\n2012-11-01\n2012-11-02\n")
    }

    @Test(
        "indexctl sessions refuses a malformed date or a reversed range with a message",
        arguments: [
            (["sessions", "--from", "2024-1-02", "--to", "2024-01-10"], "not a valid date"),
            (["sessions", "--from", "2024-01-10", "--to", "2024-01-02"], "is after"),
            (["sessions", "--from", "1999-12-01", "--to", "2000-01-10"], "calendar covers"),
        ])
    func indexctlSessionsErrors(arguments: [String], fragment: String) throws {
        let (status, output, errors) = try run(arguments)
        #expect(status != 0)
        #expect(output.isEmpty)
        #expect(errors.contains(fragment))
    }

    private func run(_ arguments: [String]) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = try builtExecutable("indexctl")
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}
