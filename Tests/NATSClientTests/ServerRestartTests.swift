import Foundation
import Logging
import NATSClient
import Synchronization
import TestSupport
import Testing

/// The broker goes away and comes back: nothing published is lost, the connection reports and recovers.
@Suite("nats-server restarts")
struct ServerRestartTests {
    @Test("a server restart mid-stream loses no message and consumption resumes")
    func restartMidStream() async throws {
        let environment = try await NATSTestEnvironment()
        let js = environment.jetStream
        let stream = StreamSpec(
            name: "RESTART", subjects: ["restart.>"], retention: .limits, maxAge: .seconds(3600), description: "test"
        )
        let consumer = ConsumerSpec(
            stream: "RESTART", durable: "reader", filterSubject: "restart.>", ackWait: .seconds(5), description: "test"
        )
        try await js.ensure(Topology(streams: [stream], consumers: [consumer]))
        let events = environment.connection.events()
        let total = 200
        let received = Mutex<Set<Int>>([])
        let reader = Task {
            let pull = try js.pullConsumer(consumer)
            defer { pull.close() }
            while received.withLock({ $0.count }) < total {
                let messages: [JetStreamMessage]
                do {
                    messages = try await pull.fetch(batch: 20, expires: .milliseconds(300))
                } catch {
                    try await Task.sleep(for: .milliseconds(50))
                    continue
                }
                for message in messages {
                    let value = Int(String(decoding: message.data, as: UTF8.self))!
                    do {
                        try await message.ack()
                        received.withLock { _ = $0.insert(value) }
                    } catch {
                        // The ack was lost with the connection: the message comes back and is counted then.
                    }
                }
            }
        }
        for index in 0..<total {
            if index == total / 2 {
                environment.server.stop()
                try environment.server.start()
            }
            // A publisher retries with the same message id, so a retry after a lost ack stores nothing twice.
            var published = false
            while !published {
                do {
                    _ = try await js.publish("restart.\(index)", data: Data("\(index)".utf8), messageID: "m-\(index)")
                    published = true
                } catch {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await reader.value }
            group.addTask {
                try await Task.sleep(for: .seconds(120))
                reader.cancel()
            }
            try await group.next()
            group.cancelAll()
        }
        #expect(received.withLock { $0 } == Set(0..<total))
        #expect(try await js.streamState("RESTART").messages == UInt64(total))
        var seen: [NATSConnectionEvent] = []
        for await event in events {
            seen.append(event)
            if event == .reconnected { break }
        }
        #expect(seen.contains(.disconnected))
        #expect(seen.last == .reconnected)
        await environment.shutdown()
    }

    @Test("a service started before the server connects once the server is up")
    func connectBeforeServer() async throws {
        let port = try freeLoopbackPort()
        let connection = try await NATSConnection.connect(
            NATSConnectionOptions(url: "nats://127.0.0.1:\(port)", name: "early", reconnectWait: .milliseconds(100)),
            logger: .test("early")
        )
        #expect(!connection.isConnected)
        let server = try NATSServerProcess(port: port)
        try await connection.waitUntilConnected(timeout: .seconds(10))
        #expect(connection.isConnected)
        await connection.close()
        server.shutdown()
    }
}
