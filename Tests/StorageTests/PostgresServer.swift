import Foundation
import Logging
import PostgresNIO
import StoragePostgres
import Synchronization

/// A PostgreSQL server of the tests' own: `initdb` in a temporary directory, on a free loopback port, run as the
/// `postgres` user (the tests run as root, which PostgreSQL refuses), stopped when the process exits.
///
/// One shared server serves every suite (``shared``, started on first use); each test gets a database of its own
/// (``createDatabase()``). Missing binaries fail the tests that need them with the package to install.
final class PostgresServer: Sendable {
    /// The folder holding the cluster, the socket and the log; removed when the server stops.
    let directory: String
    /// The loopback port the server listens on.
    let port: Int
    /// The folder of `initdb`, `pg_ctl` and `postgres`.
    private let binaries: String

    /// Why the server cannot be started.
    struct Failure: Error, CustomStringConvertible {
        /// What went wrong, and what to do.
        let description: String
    }

    /// The server every suite shares, started on first use and stopped when the test process exits.
    static let shared = Task<PostgresServer, any Error> {
        try await onOwnThread { try PostgresServer() }
    }

    /// Every server started by this process, stopped at exit.
    private static let started = Mutex<[PostgresServer]>([])

    /// Registers ``stopAll()`` to run at exit, once.
    private static let exitHook: Void = {
        atexit { PostgresServer.stopAll() }
    }()

    /// Runs `body` with a server of its own (for tests that stop and start it), stopped after.
    static func withOwnServer(_ body: (PostgresServer) async throws -> Void) async throws {
        let server = try await onOwnThread { try PostgresServer() }
        do {
            try await body(server)
        } catch {
            await onOwnThread { server.stop() }
            throw error
        }
        await onOwnThread { server.stop() }
    }

    /// Stops every server this process started and removes its folder.
    private static func stopAll() {
        for server in started.withLock({ $0 }) { server.stop() }
    }

    /// Initialises a cluster and starts the server; blocks the calling thread (call it off the concurrency pool).
    init() throws {
        binaries = try Self.findBinaries()
        let template = NSTemporaryDirectory() + "storage-tests-pg-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let created = mkdtemp(&bytes) else { throw Failure(description: "mkdtemp failed: errno \(errno)") }
        directory = String(cString: created)
        port = try Self.freePort()
        try Self.run("/bin/chown", ["-R", "postgres:postgres", directory])
        // The postgres user must reach the folder: the system's temporary folder is world-searchable.
        try Self.asPostgres(
            binaries + "/initdb",
            ["-D", directory + "/data", "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"]
        )
        try Self.start(binaries: binaries, directory: directory, port: port)
        _ = Self.exitHook
        Self.started.withLock { $0.append(self) }
    }

    /// Stops the server at once and removes its folder; blocks the calling thread (briefly: an immediate stop).
    func stop() {
        _ = try? Self.asPostgres(binaries + "/pg_ctl", ["-D", directory + "/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Stops the server (fast shutdown, as a service manager would) and starts it again on the same port; blocks.
    func restart() throws {
        try pause()
        try resume()
    }

    /// Stops the server (fast shutdown: sessions are ended, the transactions in them rolled back); blocks.
    func pause() throws {
        try Self.asPostgres(binaries + "/pg_ctl", ["-D", directory + "/data", "-m", "fast", "-w", "stop"])
    }

    /// Starts the server again after ``pause()``, on the same port; blocks.
    func resume() throws {
        try Self.start(binaries: binaries, directory: directory, port: port)
    }

    /// Starts the server of the cluster in `directory` on `port`, waiting until it accepts connections.
    private static func start(binaries: String, directory: String, port: Int) throws {
        // fsync off: the tests check answers, not durability, and run faster without a sync per commit.
        let options = "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"
        try asPostgres(
            binaries + "/pg_ctl",
            ["-D", directory + "/data", "-l", directory + "/server.log", "-o", options, "-w", "-t", "60", "start"]
        )
    }

    /// A new, empty database; returns the settings that reach it.
    func createDatabase() async throws -> PostgresSettings {
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let connection = try await PostgresConnection.connect(
            configuration: PostgresConnection.Configuration(
                host: "127.0.0.1", port: port, username: "postgres", password: nil, database: "postgres", tls: .disable
            ),
            id: 1, logger: Logger(label: "storage-tests.postgres")
        )
        do {
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: connection.logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
        return try settings(database: name)
    }

    /// The settings of database `name` on this server.
    func settings(database name: String) throws -> PostgresSettings {
        try PostgresSettings(
            url: "postgres://postgres@127.0.0.1:\(port)/\(name)?sslmode=disable", maximumConnections: 4
        )
    }

    // MARK: Processes

    /// The folder of the server binaries: Debian's /usr/lib/postgresql/<major>/bin, the newest there is.
    private static func findBinaries() throws -> String {
        let root = "/usr/lib/postgresql"
        let majors = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        for major in majors.reversed() {
            let folder = "\(root)/\(major)/bin"
            if FileManager.default.isExecutableFile(atPath: folder + "/initdb"),
                FileManager.default.isExecutableFile(atPath: folder + "/pg_ctl")
            {
                return folder
            }
        }
        throw Failure(
            description: "PostgreSQL server binaries (initdb, pg_ctl) not found under \(root)/*/bin: install "
                + "Debian's postgresql package (apt-get install postgresql); the storage tests run on both backends"
        )
    }

    /// Runs `tool` as the `postgres` user.
    private static func asPostgres(_ tool: String, _ arguments: [String]) throws {
        try run("/usr/sbin/runuser", ["-u", "postgres", "--", tool] + arguments)
    }

    /// Runs a program to its end; throws with its output when it fails.
    ///
    /// Through `posix_spawn` and `waitpid`, not Foundation's `Process`: that one learns of a child's end from a socket
    /// the child inherits, which the server `pg_ctl start` leaves running inherits too, so it would wait for the
    /// server to stop. The output goes to a file, for the same reason.
    private static func run(_ program: String, _ arguments: [String]) throws {
        let outputPath = NSTemporaryDirectory() + "storage-tests-pg-output-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, program, &actions, nil, argv, environ)
        guard spawned == 0 else { throw Failure(description: "cannot start \(program): errno \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw Failure(description: "waitpid failed: errno \(errno)") }
        }
        // Exited normally with status 0 (WIFEXITED and WEXITSTATUS, which Swift does not import).
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            throw Failure(
                description: "\(([program] + arguments).joined(separator: " ")) failed (wait status \(status)): \(text)"
            )
        }
    }

    /// A loopback port nothing listens on now.
    private static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket failed: errno \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw Failure(description: "bind failed: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw Failure(description: "getsockname failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Runs `body` on a thread of its own and returns its result, for calls that wait on other processes.
///
/// Not on Dispatch's global queues: on Linux their threads are as many as the cores, and Foundation's `Process`
/// reaps its children on them, so two threads waiting for children there would wait forever.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// Runs `body` on a thread of its own (see ``onOwnThread(_:)-(()->T)``).
func onOwnThread(_ body: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { continuation in
        Thread {
            body()
            continuation.resume()
        }.start()
    }
}
