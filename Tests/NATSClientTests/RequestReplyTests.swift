import Foundation
import NATSClient
import TestSupport
import Testing

/// Core publish/subscribe and request/reply against a real nats-server.
@Suite("Core NATS against a real nats-server")
struct RequestReplyTests {
    @Test("a subscription receives what is published, with headers")
    func publishSubscribe() async throws {
        let environment = try await NATSTestEnvironment()
        let subject = uniqueName("sub.").lowercased()
        let subscription = try environment.connection.subscribe(subject)
        try await environment.connection.flush()
        try environment.connection.publish(subject, data: Data("hello".utf8), headers: ["Trace": "abc"])
        try environment.connection.publish(subject, data: Data("world".utf8))
        var received: [NATSMessage] = []
        for await message in subscription {
            received.append(message)
            if received.count == 2 { break }
        }
        #expect(received.map { String(decoding: $0.data, as: UTF8.self) } == ["hello", "world"])
        #expect(received[0].headers["Trace"] == "abc")
        #expect(received[1].headers.isEmpty)
        await environment.shutdown()
    }

    @Test("a request is answered by the responder")
    func requestReply() async throws {
        let environment = try await NATSTestEnvironment()
        let connection = environment.connection
        let subject = uniqueName("svc.").lowercased()
        let responder = Task {
            try await connection.serve(subject) { request in
                NATSReply(data: Data(("echo:" + String(decoding: request.data, as: UTF8.self)).utf8))
            }
        }
        #expect(
            await eventually {
                (try? await connection.request(subject, data: Data("ping".utf8), timeout: .milliseconds(200))) != nil
            })
        let replies = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<20 {
                group.addTask {
                    let reply = try await connection.request(subject, data: Data("\(index)".utf8), timeout: .seconds(2))
                    return String(decoding: reply.data, as: UTF8.self)
                }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(replies == Set((0..<20).map { "echo:\($0)" }))
        responder.cancel()
        await environment.shutdown()
    }

    @Test("a request with nobody listening fails at once with no responders")
    func noResponders() async throws {
        let environment = try await NATSTestEnvironment()
        // The server says so (no-responders), rather than the client waiting out its timeout (a timeout error).
        await #expect(throws: NATSError.noResponders(subject: "nobody.home")) {
            _ = try await environment.connection.request("nobody.home", data: Data(), timeout: .seconds(60))
        }
        await environment.shutdown()
    }

    @Test("a responder that never answers makes the request time out")
    func requestTimeout() async throws {
        let environment = try await NATSTestEnvironment()
        let subject = uniqueName("slow.").lowercased()
        let silent = try environment.connection.subscribe(subject)
        try await environment.connection.flush()
        await #expect(throws: NATSError.timeout(subject: subject)) {
            _ = try await environment.connection.request(subject, data: Data(), timeout: .milliseconds(300))
        }
        silent.unsubscribe()
        await environment.shutdown()
    }

    @Test("requests time out by their own deadlines, again after an idle spell, while answered ones are not touched")
    func timeoutDeadlines() async throws {
        let environment = try await NATSTestEnvironment()
        let connection = environment.connection
        let subject = uniqueName("slow.").lowercased()
        let silent = try connection.subscribe(subject)
        let echo = Task { try await connection.serve(subject + ".echo") { NATSReply(data: $0.data) } }
        try await connection.flush()
        _ = await eventually { (try? await connection.request(subject + ".echo", data: Data())) != nil }
        for round in 0..<2 {
            // Nothing waits between rounds: the sweeper sleeps, and the first request of a round wakes it.
            if round > 0 { try await Task.sleep(for: .milliseconds(200)) }
            let clock = ContinuousClock()
            let started = clock.now
            let timeouts = [150, 400, 800]
            try await withThrowingTaskGroup(of: (Int, Duration).self) { group in
                for milliseconds in timeouts {
                    group.addTask {
                        await #expect(throws: NATSError.timeout(subject: subject)) {
                            _ = try await connection.request(
                                subject, data: Data(), timeout: .milliseconds(milliseconds))
                        }
                        return (milliseconds, clock.now - started)
                    }
                }
                // Answered requests meanwhile get their replies, whatever the sweeper does.
                for index in 0..<20 {
                    let reply = try await connection.request(
                        subject + ".echo", data: Data("\(index)".utf8), timeout: .seconds(5))
                    #expect(reply.data == Data("\(index)".utf8))
                }
                for try await (milliseconds, elapsed) in group {
                    // Not before its own deadline (that it comes at all, the sweeper's, is the expectation above).
                    #expect(elapsed >= .milliseconds(milliseconds), "round \(round)")
                }
            }
        }
        echo.cancel()
        silent.unsubscribe()
        await environment.shutdown()
    }

    @Test("a responder's error reaches the requester as a remote error")
    func remoteError() async throws {
        let environment = try await NATSTestEnvironment()
        let connection = environment.connection
        let subject = uniqueName("fail.").lowercased()
        struct Broken: Error, CustomStringConvertible { var description: String { "broken on purpose" } }
        let responder = Task { try await connection.serve(subject) { _ in throw Broken() } }
        #expect(
            await eventually {
                do {
                    _ = try await connection.request(subject, data: Data(), timeout: .milliseconds(300))
                    return false
                } catch NATSError.remote(_, let message) {
                    return message == "broken on purpose"
                } catch {
                    return false
                }
            })
        responder.cancel()
        await environment.shutdown()
    }

    @Test("a reply over the server's payload limit arrives in parts and is reassembled byte for byte")
    func replyInParts() async throws {
        let environment = try await NATSTestEnvironment()
        let connection = environment.connection
        let subject = uniqueName("large.").lowercased()
        // Three and a half payload limits of bytes that differ by position, so a misordered part shows.
        let size = connection.maxPayload * 7 / 2
        let body = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 16) })
        let responder = Task {
            try await connection.serve(subject) { _ in NATSReply(data: body, headers: ["Schema": "blob/1"]) }
        }
        var reply: NATSMessage?
        _ = await eventually {
            reply = try? await connection.request(subject, data: Data(), timeout: .seconds(5))
            return reply != nil
        }
        let received = try #require(reply)
        #expect(received.data.count == size)
        #expect(received.data == body)
        #expect(received.headers["Schema"] == "blob/1")
        #expect(received.headers[NATSHeader.replyChunk] == nil)
        // A small reply after a large one still comes whole.
        let small = Task { try await connection.serve(subject + ".small") { _ in NATSReply(data: Data("ok".utf8)) } }
        _ = await eventually { (try? await connection.request(subject + ".small", data: Data())) != nil }
        #expect(try await connection.request(subject + ".small", data: Data()).data == Data("ok".utf8))
        responder.cancel()
        small.cancel()
        await environment.shutdown()
    }
}
