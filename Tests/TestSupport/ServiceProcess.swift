import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A built executable of this package run as a child process, as an operator runs it.
package final class ServiceProcess: @unchecked Sendable {
    // `@unchecked`: `process` is only touched by the test's own task.
    /// The executable's name.
    package let name: String
    /// Its environment.
    package let environment: [String: String]
    /// Where its standard error goes.
    package let logFile: URL
    private var process: Process?

    /// A process of the executable `name`; nothing starts until ``start()``.
    package init(_ name: String, environment: [String: String], logDirectory: URL) {
        self.name = name
        self.environment = environment
        self.logFile = logDirectory.appendingPathComponent("\(name).log")
    }

    /// Starts it (again), appending to its log.
    package func start(arguments: [String] = []) throws {
        let process = Process()
        process.executableURL = try builtExecutable(name)
        process.arguments = arguments
        process.environment = environment
        if !FileManager.default.fileExists(atPath: logFile.path) {
            FileManager.default.createFile(atPath: logFile.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: logFile)
        log.seekToEndOfFile()
        process.standardError = log
        process.standardOutput = log
        try process.run()
        self.process = process
    }

    /// Whether it runs.
    package var isRunning: Bool { process?.isRunning ?? false }

    /// Sends `signal` and waits (up to `timeout` seconds) for it to exit; true when it did.
    @discardableResult
    package func stop(signal: Int32 = SIGTERM, timeout: TimeInterval = 20) -> Bool {
        guard let process, process.isRunning else { return true }
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return false
        }
        return true
    }

    /// Its exit status once it has exited by itself, waiting up to `timeout` seconds; nil if it has not.
    package func waitForExit(timeout: TimeInterval) -> Int32? {
        guard let process else { return nil }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Its log so far.
    package var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }
}

/// Where `swift build` put the package's executables: beside the test bundle, or `SERVICE_BIN_DIR`.
package func builtExecutable(_ name: String) throws -> URL {
    let directory: URL
    if let configured = ProcessInfo.processInfo.environment["SERVICE_BIN_DIR"] {
        directory = URL(fileURLWithPath: configured)
    } else {
        directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    }
    let url = directory.appendingPathComponent(name)
    guard FileManager.default.isExecutableFile(atPath: url.path) else {
        throw ExecutableMissing(path: url.path)
    }
    return url
}

/// A package executable is not built.
package struct ExecutableMissing: Error, CustomStringConvertible {
    /// Where it was looked for.
    package var path: String
    /// One line.
    package var description: String { "\(path) is not built: run `swift build` before the tests (make test does)" }
}
