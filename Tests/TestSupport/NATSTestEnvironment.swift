import Foundation
import Logging
import NATSClient
import Pipeline
import Synchronization

/// A running nats-server and a connection to it, for one test.
package final class NATSTestEnvironment: Sendable {
    /// The server.
    package let server: NATSServerProcess
    /// A connection to it.
    package let connection: NATSConnection
    /// JetStream on that connection.
    package let jetStream: JetStream
    /// The pipeline layer on that connection (publishing, asking storage).
    package let pipeline: NATSPipeline

    /// Starts a server and connects.
    package init(name: String = "test") async throws {
        server = try NATSServerProcess()
        connection = try await NATSConnection.connect(
            NATSConnectionOptions(url: server.url, name: name, reconnectWait: .milliseconds(100)),
            logger: Logger.test(name)
        )
        try await connection.waitUntilConnected(timeout: .seconds(5))
        jetStream = try connection.jetStream()
        pipeline = try NATSPipeline(connection: connection, logger: Logger.test(name))
    }

    /// Connects to a server another part of the test runs; ``shutdown()`` then stops that server too.
    package init(connectingTo url: String, name: String = "test") async throws {
        server = try NATSServerProcess(adopting: url)
        connection = try await NATSConnection.connect(
            NATSConnectionOptions(url: url, name: name, reconnectWait: .milliseconds(100)), logger: Logger.test(name)
        )
        try await connection.waitUntilConnected(timeout: .seconds(5))
        jetStream = try connection.jetStream()
        pipeline = try NATSPipeline(connection: connection, logger: Logger.test(name))
    }

    /// Closes the connection and stops the server.
    package func shutdown() async {
        await connection.close()
        server.shutdown()
    }
}

/// A name no other test uses (streams, consumers, subjects).
package func uniqueName(_ prefix: String) -> String {
    prefix + UUID().uuidString.prefix(8).uppercased()
}

extension Logger {
    /// A logger for tests: warnings and above, so failures show their story without drowning the output.
    package static func test(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel =
            ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .critical
        return logger
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
///
/// The default deadline is generous on purpose: it costs nothing when the condition comes true (the poll returns
/// at once), and on a loaded two-core machine the test's own tasks can wait seconds for a thread.
package func eventually(
    timeout: Duration = .seconds(60),
    every interval: Duration = .milliseconds(25),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}

/// A value shared between tasks of a test (a Mutex in a class, so closures can capture it).
package final class Locked<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    /// A box holding `value`.
    package init(_ value: Value) { storage = Mutex(value) }

    /// The current value.
    package var value: Value { storage.withLock { $0 } }

    /// Replaces the value.
    package func set(_ value: Value) { storage.withLock { $0 = value } }

    /// Changes the value in place.
    package func update<T>(_ body: (inout sending Value) -> sending T) -> T { storage.withLock(body) }
}
