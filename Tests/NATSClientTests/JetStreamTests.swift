import Contracts
import Foundation
import NATSClient
import Synchronization
import TestSupport
import Testing

/// Publishing, consuming, acknowledging and redelivery against a real nats-server.
@Suite("JetStream against a real nats-server")
struct JetStreamTests {
    /// A stream and consumer made for one test.
    struct Fixture {
        let environment: NATSTestEnvironment
        let stream: StreamSpec
        let consumer: ConsumerSpec
        let subject: String

        init(ackWait: Duration = .seconds(30), maxDeliver: Int = 5, duplicateWindow: Duration = .seconds(120))
            async throws
        {
            environment = try await NATSTestEnvironment()
            let name = uniqueName("S")
            subject = "test.\(name.lowercased())"
            stream = StreamSpec(
                name: name, subjects: [subject + ".>"], retention: .limits, maxAge: .seconds(3600),
                duplicateWindow: duplicateWindow, description: "test"
            )
            consumer = ConsumerSpec(
                stream: name, durable: "c-\(name.lowercased())", filterSubject: subject + ".>", ackWait: ackWait,
                maxDeliver: maxDeliver, description: "test"
            )
            try await environment.jetStream.ensure(Topology(streams: [stream], consumers: [consumer]))
        }
    }

    @Test("a stream's replicas reach the server: R1 is created, R3 is refused by a server outside a cluster")
    func replicasReachTheServer() async throws {
        let environment = try await NATSTestEnvironment()
        let name = uniqueName("R")
        var stream = StreamSpec(
            name: name, subjects: ["test.\(name.lowercased()).>"], retention: .limits, maxAge: .seconds(3600),
            description: "test"
        )
        try await environment.jetStream.ensureStream(stream)
        stream.name += "3"
        stream.subjects = ["test.\(stream.name.lowercased()).>"]
        stream.replicas = 3
        let error = await #expect(throws: NATSError.self) { try await environment.jetStream.ensureStream(stream) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("replicas"), "\(String(describing: error))")
        await environment.shutdown()
    }

    @Test("published messages are consumed in order and stay acknowledged")
    func publishConsumeAck() async throws {
        let fixture = try await Fixture()
        let js = fixture.environment.jetStream
        for index in 1...3 {
            let ack = try await js.publish("\(fixture.subject).\(index)", data: Data("m\(index)".utf8))
            #expect(ack.stream == fixture.stream.name)
            #expect(ack.sequence == UInt64(index))
            #expect(!ack.duplicate)
        }
        let consumer = try js.pullConsumer(fixture.consumer)
        let messages = try await consumer.fetch(batch: 10, expires: .seconds(2))
        #expect(messages.map { String(decoding: $0.data, as: UTF8.self) } == ["m1", "m2", "m3"])
        #expect(messages.map(\.metadata.deliveries) == [1, 1, 1])
        #expect(messages.map(\.metadata.streamSequence) == [1, 2, 3])
        for message in messages { try await message.ack() }
        #expect(try await consumer.fetch(batch: 10, expires: .milliseconds(300)).isEmpty)
        let state = try await js.consumerState(stream: fixture.stream.name, durable: fixture.consumer.durable)
        #expect(state.pending == 0)
        #expect(state.ackPending == 0)
        #expect(state.ackFloorStreamSequence == 3)
        consumer.close()
        await fixture.environment.shutdown()
    }

    @Test("a nak'd message is delivered again, with its delivery count")
    func redeliveryAfterNak() async throws {
        let fixture = try await Fixture()
        let js = fixture.environment.jetStream
        _ = try await js.publish("\(fixture.subject).a", data: Data("payload".utf8))
        let consumer = try js.pullConsumer(fixture.consumer)
        let first = try #require(try await consumer.fetch(batch: 1, expires: .seconds(2)).first)
        #expect(first.metadata.deliveries == 1)
        try first.nak()
        let second = try #require(try await consumer.fetch(batch: 1, expires: .seconds(2)).first)
        #expect(second.metadata.deliveries == 2)
        #expect(second.metadata.streamSequence == first.metadata.streamSequence)
        #expect(second.data == first.data)
        try await second.ack()
        consumer.close()
        await fixture.environment.shutdown()
    }

    @Test("a nak with delay is not redelivered before the delay")
    func nakWithDelay() async throws {
        let fixture = try await Fixture()
        let js = fixture.environment.jetStream
        _ = try await js.publish("\(fixture.subject).a", data: Data("x".utf8))
        let consumer = try js.pullConsumer(fixture.consumer)
        let first = try #require(try await consumer.fetch(batch: 1, expires: .seconds(2)).first)
        try first.nak(delay: .seconds(2))
        #expect(try await consumer.fetch(batch: 1, expires: .milliseconds(500)).isEmpty)
        let again = try #require(try await consumer.fetch(batch: 1, expires: .seconds(4)).first)
        #expect(again.metadata.deliveries == 2)
        try await again.ack()
        consumer.close()
        await fixture.environment.shutdown()
    }

    @Test("an unacknowledged message is redelivered after the ack wait expires")
    func redeliveryAfterAckWait() async throws {
        let fixture = try await Fixture(ackWait: .seconds(1))
        let js = fixture.environment.jetStream
        _ = try await js.publish("\(fixture.subject).a", data: Data("slow".utf8))
        let consumer = try js.pullConsumer(fixture.consumer)
        // The server delivers after this request is made, so its ack wait ends a second after this at the earliest
        // (the fetch may return late on a busy machine: the time it returns is no bound).
        let requested = ContinuousClock.now
        let first = try #require(try await consumer.fetch(batch: 1, expires: .seconds(2)).first)
        #expect(first.metadata.deliveries == 1)
        // Not acknowledged: within the ack wait nothing comes back (a busy machine may reach this line late, so a
        // message is only wrong if it came back early), after it the same message does.
        let early = try await consumer.fetch(batch: 1, expires: .milliseconds(300))
        #expect(early.isEmpty || ContinuousClock.now - requested >= .seconds(1))
        let again = try await early.isEmpty ? consumer.fetch(batch: 1, expires: .seconds(10)) : early
        let second = try #require(again.first)
        #expect(second.metadata.deliveries == 2)
        #expect(second.metadata.streamSequence == first.metadata.streamSequence)
        try await second.ack()
        consumer.close()
        await fixture.environment.shutdown()
    }

    @Test("in-progress keeps a long-running message from being redelivered")
    func inProgressExtendsAckWait() async throws {
        let ackWait = Duration.seconds(3)
        let fixture = try await Fixture(ackWait: ackWait)
        let js = fixture.environment.jetStream
        _ = try await js.publish("\(fixture.subject).a", data: Data("long".utf8))
        let consumer = try js.pullConsumer(fixture.consumer)
        let message = try #require(try await consumer.fetch(batch: 1, expires: .seconds(2)).first)
        let delivered = ContinuousClock.now
        // The progress signals come from a thread of their own, every 200 ms until the check below is over: what is
        // tested is the server honouring them, not how soon a busy machine's task pool wakes a sleeping task.
        let signals = ProgressSignals(message)
        signals.start()
        while ContinuousClock.now - delivered < ackWait + .seconds(1) {
            try await Task.sleep(for: .milliseconds(100))
        }
        // Longer than the ack wait has passed: without the progress signals the message would be back by now.
        let redelivered = try await consumer.fetch(batch: 1, expires: .milliseconds(200))
        let sent = signals.stop()
        #expect(redelivered.isEmpty)
        #expect(sent.failures == 0)
        #expect(sent.count >= 5)
        try await message.ack()
        consumer.close()
        await fixture.environment.shutdown()
    }

    /// Sends `inProgress` for a message every 200 ms on a thread of its own until stopped.
    final class ProgressSignals: Sendable {
        private let message: JetStreamMessage
        private let state = Mutex((running: true, count: 0, failures: 0))
        private let finished = DispatchSemaphore(value: 0)

        init(_ message: JetStreamMessage) { self.message = message }

        func start() {
            Thread.detachNewThread {
                while self.state.withLock({ $0.running }) {
                    let sent = (try? self.message.inProgress()) != nil
                    self.state.withLock {
                        if sent { $0.count += 1 } else { $0.failures += 1 }
                    }
                    Thread.sleep(forTimeInterval: 0.2)
                }
                self.finished.signal()
            }
        }

        /// Stops the thread; how many signals it sent and how many failed.
        func stop() -> (count: Int, failures: Int) {
            state.withLock { $0.running = false }
            finished.wait()
            return state.withLock { ($0.count, $0.failures) }
        }
    }

    @Test("a repeated message id inside the duplicate window stores nothing")
    func deduplicationByMessageID() async throws {
        let fixture = try await Fixture()
        let js = fixture.environment.jetStream
        let first = try await js.publish("\(fixture.subject).a", data: Data("one".utf8), messageID: "batch-1")
        let again = try await js.publish("\(fixture.subject).a", data: Data("one".utf8), messageID: "batch-1")
        let other = try await js.publish("\(fixture.subject).a", data: Data("two".utf8), messageID: "batch-2")
        #expect(!first.duplicate)
        #expect(again.duplicate)
        #expect(again.sequence == first.sequence)
        #expect(!other.duplicate)
        let state = try await js.streamState(fixture.stream.name)
        #expect(state.messages == 2)
        await fixture.environment.shutdown()
    }

    @Test("ensuring the same topology twice changes nothing and fails nothing")
    func ensureIsIdempotent() async throws {
        let fixture = try await Fixture()
        let js = fixture.environment.jetStream
        _ = try await js.publish("\(fixture.subject).a", data: Data("kept".utf8))
        try await js.ensure(Topology(streams: [fixture.stream], consumers: [fixture.consumer]))
        try await js.ensure(Topology(streams: [fixture.stream], consumers: [fixture.consumer]))
        #expect(try await js.streamState(fixture.stream.name).messages == 1)
        let state = try await js.consumerState(stream: fixture.stream.name, durable: fixture.consumer.durable)
        #expect(state.pending == 1)
        await fixture.environment.shutdown()
    }

    @Test("closing a binding keeps the durable consumer and its position")
    func closingKeepsTheConsumer() async throws {
        let fixture = try await Fixture()
        let js = fixture.environment.jetStream
        for index in 1...2 { _ = try await js.publish("\(fixture.subject).\(index)", data: Data("\(index)".utf8)) }
        let first = try js.pullConsumer(fixture.consumer)
        let one = try #require(try await first.fetch(batch: 1, expires: .seconds(2)).first)
        try await one.ack()
        first.close()
        let second = try js.pullConsumer(fixture.consumer)
        let two = try #require(try await second.fetch(batch: 1, expires: .seconds(2)).first)
        #expect(String(decoding: two.data, as: UTF8.self) == "2")
        try await two.ack()
        second.close()
        await fixture.environment.shutdown()
    }
}
