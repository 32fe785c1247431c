import Contracts
import Foundation
import NATSClient
import Pipeline
import Synchronization
import TestSupport
import Testing

/// Dead-lettering: a failing handler, a last delivery that times out, a payload that does not decode.
@Suite("Dead letters against a real nats-server")
struct DeadLetterTests {
    /// A work stream and a dead-letter stream, as in the pipeline topology.
    struct Fixture {
        let environment: NATSTestEnvironment
        let consumer: ConsumerSpec
        let subject: String
        let deadLetters: ConsumerSpec

        init(ackWait: Duration = .seconds(30), maxDeliver: Int = 3) async throws {
            environment = try await NATSTestEnvironment()
            let name = uniqueName("W")
            subject = "work.\(name.lowercased())"
            let stream = StreamSpec(
                name: name, subjects: [subject + ".>"], retention: .limits, maxAge: .seconds(3600), description: "work"
            )
            consumer = ConsumerSpec(
                stream: name, durable: "worker", filterSubject: subject + ".>", ackWait: ackWait,
                maxDeliver: maxDeliver, description: "worker"
            )
            let dlq = StreamSpec(
                name: "DLQ", subjects: ["dlq.>"], retention: .limits, maxAge: .seconds(3600),
                description: "dead letters"
            )
            deadLetters = ConsumerSpec(
                stream: "DLQ", durable: "inspector", filterSubject: "dlq.>", description: "test reader"
            )
            let advisories = StreamSpec(
                name: "ADVISORIES", subjects: [DeadLetters.maxDeliveriesAdvisories], retention: .workQueue,
                maxAge: .seconds(3600), description: "advisories"
            )
            let watcher = ConsumerSpec(
                stream: "ADVISORIES", durable: "watcher", filterSubject: DeadLetters.maxDeliveriesAdvisories,
                description: "watcher"
            )
            try await environment.jetStream.ensure(
                Topology(streams: [stream, dlq, advisories], consumers: [consumer, deadLetters, watcher])
            )
        }

        /// The first dead letter, waiting up to `timeout`.
        func firstDeadLetter(timeout: Duration = .seconds(10)) async throws -> JetStreamMessage? {
            let reader = try environment.jetStream.pullConsumer(deadLetters)
            defer { reader.close() }
            return try await reader.fetch(batch: 1, expires: timeout).first
        }
    }

    struct Transient: Error, CustomStringConvertible {
        var description: String { "vendor unavailable" }
    }

    @Test("a handler that keeps failing is retried up to max-deliver, then dead-lettered with the reason")
    func deadLetterAfterMaxDeliver() async throws {
        let fixture = try await Fixture(maxDeliver: 3)
        let attempts = Counter()
        let runner = ConsumerRunner(
            jetStream: fixture.environment.jetStream,
            spec: fixture.consumer,
            options: ConsumerRunnerOptions(expires: .milliseconds(200), nakDelay: { _ in .milliseconds(50) }),
            logger: .test("worker")
        ) { _ in
            attempts.increment()
            throw Transient()
        }
        let task = Task { try await runner.run() }
        _ = try await fixture.environment.jetStream.publish(
            "\(fixture.subject).2024-01-02", data: Data("body".utf8), headers: ["Schema": "x/1"]
        )
        let letter = try #require(try await fixture.firstDeadLetter())
        task.cancel()
        #expect(attempts.value == 3)
        #expect(letter.subject == "dlq.\(fixture.subject).2024-01-02")
        #expect(letter.data == Data("body".utf8))
        #expect(letter.headers[NATSHeader.deadLetterReason]?.contains("vendor unavailable") == true)
        #expect(letter.headers[NATSHeader.deadLetterReason]?.contains("3 deliveries") == true)
        #expect(letter.headers[NATSHeader.deadLetterDeliveries] == "3")
        #expect(letter.headers[NATSHeader.deadLetterConsumer] == "worker")
        #expect(letter.headers[NATSHeader.deadLetterSubject] == "\(fixture.subject).2024-01-02")
        #expect(letter.headers["Schema"] == "x/1")
        // Terminated: the work consumer has nothing left to deliver or to wait for.
        let js = fixture.environment.jetStream
        #expect(
            await eventually {
                (try? await js.consumerState(stream: fixture.consumer.stream, durable: "worker").ackPending) == 0
            })
        await fixture.environment.shutdown()
    }

    @Test("a payload that does not decode is dead-lettered at once, not retried")
    func malformedPayload() async throws {
        let fixture = try await Fixture(maxDeliver: 5)
        let attempts = Counter()
        let runner = ConsumerRunner(
            jetStream: fixture.environment.jetStream,
            spec: fixture.consumer,
            options: ConsumerRunnerOptions(expires: .milliseconds(200)),
            logger: .test("worker")
        ) { message in
            attempts.increment()
            _ = try PriceBatch.decoded(from: message.data, schemaTag: message.headers[schemaHeader])
        }
        let task = Task { try await runner.run() }
        _ = try await fixture.environment.jetStream.publish(
            "\(fixture.subject).2024-01-02", data: Data("{\"version\": 1, \"body\": {\"rows\": 7}}".utf8)
        )
        let letter = try #require(try await fixture.firstDeadLetter())
        task.cancel()
        #expect(attempts.value == 1)
        let reason = try #require(letter.headers[NATSHeader.deadLetterReason])
        #expect(reason.contains("malformed price-batch payload"))
        #expect(letter.headers[NATSHeader.deadLetterDeliveries] == "1")
        await fixture.environment.shutdown()
    }

    @Test("a message whose last delivery is never answered is dead-lettered by the advisory watcher")
    func deadLetterAfterAckWaitExpiry() async throws {
        let fixture = try await Fixture(ackWait: .seconds(1), maxDeliver: 2)
        let js = fixture.environment.jetStream
        let watcherSpec = ConsumerSpec(
            stream: "ADVISORIES", durable: "watcher", filterSubject: DeadLetters.maxDeliveriesAdvisories,
            description: "watcher"
        )
        let watcher = ConsumerRunner(
            jetStream: js, spec: watcherSpec, options: ConsumerRunnerOptions(expires: .milliseconds(200)),
            logger: .test("watcher"), handler: DeadLetters.advisoryHandler(jetStream: js, logger: .test("watcher"))
        )
        let task = Task { try await watcher.run() }
        _ = try await js.publish("\(fixture.subject).2024-01-03", data: Data("stuck".utf8))
        // A worker that takes the message and never answers (it hangs, or its process dies and restarts).
        let worker = try js.pullConsumer(fixture.consumer)
        var deliveries: [Int] = []
        var letter: JetStreamMessage?
        let deadline = ContinuousClock.now + .seconds(15)
        let reader = try js.pullConsumer(fixture.deadLetters)
        while letter == nil && ContinuousClock.now < deadline {
            // The worker keeps asking for work: the server gives up on the message when it would deliver a third time.
            if let message = try await worker.fetch(batch: 1, expires: .milliseconds(300)).first {
                deliveries.append(message.metadata.deliveries)
            }
            letter = try await reader.fetch(batch: 1, expires: .milliseconds(100)).first
        }
        worker.close()
        reader.close()
        #expect(deliveries == [1, 2])
        let deadLetter = try #require(letter)
        task.cancel()
        #expect(deadLetter.data == Data("stuck".utf8))
        #expect(deadLetter.subject == "dlq.\(fixture.subject).2024-01-03")
        #expect(deadLetter.headers[NATSHeader.deadLetterReason]?.contains("ack wait expired") == true)
        #expect(deadLetter.headers[NATSHeader.deadLetterDeliveries] == "2")
        await fixture.environment.shutdown()
    }
}

/// A thread-safe counter for handler calls.
final class Counter: Sendable {
    private let storage = Mutex(0)
    func increment() { storage.withLock { $0 += 1 } }
    var value: Int { storage.withLock { $0 } }
}
