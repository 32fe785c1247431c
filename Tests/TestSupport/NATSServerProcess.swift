import Foundation
import NATSClient

#if canImport(Glibc)
    import Glibc
#endif

/// A real `nats-server` with JetStream for one test suite: a free loopback port and a temporary store directory.
package final class NATSServerProcess: @unchecked Sendable {
    // `@unchecked`: `process` is only replaced by `start`/`stop`, which tests call from one task.
    /// The loopback port it listens on (kept across restarts).
    package let port: Int
    /// The JetStream store directory (kept across restarts, removed by ``shutdown()``).
    package let storeDirectory: URL
    private var process: Process?

    /// The URL clients connect to.
    package var url: String { "nats://127.0.0.1:\(port)" }

    /// Starts a server (on `port`, else a free one) and waits until it accepts connections.
    package init(port: Int? = nil) throws {
        self.port = try port ?? freeLoopbackPort()
        storeDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("nats-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: storeDirectory, withIntermediateDirectories: true)
        try start()
    }

    /// The path of the nats-server binary (`NATS_SERVER_BIN`, else the first on PATH or in /usr/sbin).
    package static func executable() throws -> String {
        if let path = ProcessInfo.processInfo.environment["NATS_SERVER_BIN"] { return path }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates =
            path.split(separator: ":").map { "\($0)/nats-server" } + ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TestSupportError.natsServerMissing
        }
        return found
    }

    /// A handle on a server started elsewhere (its URL's port); it owns no process and no store.
    package init(adopting url: String) throws {
        guard let port = url.split(separator: ":").last.flatMap({ Int($0) }) else { throw TestSupportError.noFreePort }
        self.port = port
        storeDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "nats-adopted-\(UUID().uuidString)")
    }

    /// Starts (or restarts) the server on the same port and store.
    package func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.executable())
        process.arguments = ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", storeDirectory.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        try waitUntilListening(port: port, timeout: 10)
    }

    /// Stops the server: SIGTERM (a clean shutdown) or SIGKILL.
    package func stop(kill: Bool = false) {
        guard let process, process.isRunning else { return }
        if kill { Glibc.kill(process.processIdentifier, SIGKILL) } else { process.terminate() }
        process.waitUntilExit()
        self.process = nil
    }

    /// Stops the server and removes its store.
    package func shutdown() {
        stop()
        try? FileManager.default.removeItem(at: storeDirectory)
    }

    deinit { shutdown() }
}

/// Why the test support could not do its job.
package enum TestSupportError: Error, CustomStringConvertible {
    /// nats-server is not installed.
    case natsServerMissing
    /// A server did not start listening in time.
    case notListening(port: Int)
    /// No free port could be found.
    case noFreePort

    /// One line.
    package var description: String {
        switch self {
        case .natsServerMissing: "nats-server is not installed (apt-get install nats-server)"
        case .notListening(let port): "nothing listens on 127.0.0.1:\(port)"
        case .noFreePort: "no free loopback port"
        }
    }
}

/// A loopback TCP port that was free a moment ago (bind to port 0, read it, close).
package func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestSupportError.noFreePort }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0 else { throw TestSupportError.noFreePort }
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw TestSupportError.noFreePort }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Waits until a TCP connect to 127.0.0.1:`port` succeeds.
package func waitUntilListening(port: Int, timeout: TimeInterval) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        close(fd)
        if connected == 0 { return }
        usleep(20_000)
    }
    throw TestSupportError.notListening(port: port)
}
