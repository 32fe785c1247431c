import Contracts
import Foundation
import IndexCtl
import Logging
import NATSClient
import Pipeline
import Resilience
import ServiceSupport
import TestSupport
import Testing
import TradingCalendar

extension ExecutableStackSuites {
    /// `indexctl status` against a running stack: lag, breakers and last sessions, as tables and as JSON.
    @Suite("Status command", .serialized)
    struct StatusCommandTests {
        @Test("status reports every stream, consumer, service breaker and stage after a back-fill")
        func statusOfARunningStack() async throws {
            let stack = try await ExecutableStack(["SCHEDULE_ENABLED": "false"])
            var passed = false
            defer { Task { [passed] in await stack.shutdown(keep: !passed) } }
            try await stack.indexctl(["backfill", "--from", "2024-03-04", "--to", "2024-03-08", "--timeout", "60"])

            let report = await StatusReport.gather(pipeline: stack.environment.pipeline)
            #expect(report.streams.map(\.name) == Topology.pipeline.streams.map(\.name))
            func stream(_ name: String) -> StatusReport.StreamRow? { report.streams.first { $0.name == name } }
            let raw = try #require(stream(StreamName.pricesRaw)?.state)
            let valid = try #require(stream(StreamName.pricesValid)?.state)
            // Five sessions of 60 simulated stocks: one message each, validated once each.
            #expect(raw.messages == 5)
            #expect(valid.messages == 5)
            #expect(stream(StreamName.pricesRaw)?.lastSession == SessionDate("2024-03-08"))
            #expect(stream(StreamName.pricesValid)?.lastSession == SessionDate("2024-03-08"))
            #expect(stream(StreamName.index)?.lastSession == SessionDate("2024-03-08"))
            #expect(stream(StreamName.replay)?.lastSession == nil)
            // The replay request was worked off and removed (work-queue retention).
            #expect(stream(StreamName.replay)?.state?.messages == 0)

            #expect(report.consumers.map(\.durable) == Topology.pipeline.consumers.map(\.durable))
            for row in report.consumers {
                let state = try #require(row.state, "\(row.durable): \(row.error ?? "")")
                #expect(state.pending == 0, "\(row.durable)")
                #expect(state.ackPending == 0, "\(row.durable)")
            }
            let validator = try #require(report.consumers.first { $0.durable == ConsumerName.validator }?.state)
            #expect(validator.ackFloorStreamSequence == raw.lastSequence)

            #expect(report.services.map(\.service) == IndexCtl.Ping.services)
            #expect(report.services.allSatisfy { $0.up && $0.ready })
            // Every service that asks storage has its storage breaker, closed after a healthy back-fill.
            for name in ["fetcher", "validator", "index-builder"] {
                let breakers = report.services.first { $0.service == name }?.breakers ?? []
                #expect(breakers.map(\.name).contains("storage"), "\(name): \(breakers)")
                #expect(breakers.allSatisfy { $0.state == "closed" && $0.failedCalls == 0 }, "\(name): \(breakers)")
            }
            #expect(
                report.stages.map(\.stage) == [
                    "raw published", "validated", "computed", "prices stored", "index stored",
                ])
            #expect(report.stages.allSatisfy { $0.lastSession == SessionDate("2024-03-08") }, "\(report.stages)")
            let storage = try #require(report.storage)
            #expect(storage.indexSessions == 5)
            #expect(storage.firstIndexSession == SessionDate("2024-03-04"))

            // The executable: JSON for scripts carries the same numbers ...
            let json = try await stack.indexctlExecutable(["status", "--json"])
            #expect(json.status == 0)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
            let streams = try #require(object["streams"] as? [[String: Any]])
            let rawJSON = try #require(streams.first { $0["name"] as? String == StreamName.pricesRaw })
            #expect((rawJSON["state"] as? [String: Any])?["messages"] as? Int == 5)
            #expect(rawJSON["lastSession"] as? String == "2024-03-08")
            let consumers = try #require(object["consumers"] as? [[String: Any]])
            #expect(consumers.count == Topology.pipeline.consumers.count)
            #expect(consumers.allSatisfy { ($0["state"] as? [String: Any])?["pending"] as? Int == 0 })
            let services = try #require(object["services"] as? [[String: Any]])
            #expect(services.count == IndexCtl.Ping.services.count)
            let fetcher = try #require(services.first { $0["service"] as? String == "fetcher" })
            let fetcherBreakers = try #require(fetcher["breakers"] as? [[String: Any]])
            #expect(
                fetcherBreakers.contains { $0["name"] as? String == "storage" && $0["state"] as? String == "closed" })
            #expect((object["storage"] as? [String: Any])?["indexSessions"] as? Int == 5)

            // ... and the tables for people.
            let table = try await stack.indexctlExecutable(["status"])
            #expect(table.status == 0)
            let lines = table.output.split(separator: "\n").map {
                $0.split(separator: " ", omittingEmptySubsequences: true)
            }
            #expect(
                lines.contains { $0.first == "PRICES_RAW" && $0[1] == "5" && $0.last == "2024-03-08" },
                "\(table.output)")
            #expect(
                lines.contains { $0.first == "validator" && $0[1] == "PRICES_RAW" && $0[2] == "0" }, "\(table.output)")
            #expect(lines.contains { $0.starts(with: ["index", "stored", "2024-03-08"]) }, "\(table.output)")
            #expect(
                lines.contains { $0.first == "fetcher" && $0[1] == "ready" && $0.contains("storage") },
                "\(table.output)")

            // A service that is down is reported down, not skipped.
            #expect(await stack.stop("change-detector"))
            let degraded = await StatusReport.gather(
                pipeline: stack.environment.pipeline, timeout: .milliseconds(500))
            let detector = try #require(degraded.services.first { $0.service == "change-detector" })
            #expect(!detector.up && !detector.ready && detector.error != nil)
            passed = true
            await stack.shutdown(keep: !passed)
        }

        @Test("a service's health reply lists its live breakers with their states")
        func breakersInTheRegistry() async throws {
            let name = uniqueName("breaker-")
            let breaker = CircuitBreaker(
                name: name,
                configuration: .init(
                    failureRateThreshold: 50, slidingWindowSize: 2, minimumNumberOfCalls: 2,
                    waitDurationInOpenState: .seconds(60)
                ),
                logger: Logger.test("breaker")
            )
            #expect(BreakerStatus.all().first { $0.name == name }?.state == "closed")
            for _ in 0..<2 { _ = try? await breaker.run { throw FakeFailure() } }
            let status = try #require(BreakerStatus.all().first { $0.name == name })
            #expect(status.state == "open")
            #expect(status.failedCalls == 2)
            #expect(status.failureRate == 100)
            // Health replies from services that predate the field still decode, with no breakers.
            let old = Data(#"{"version":1,"body":{"service":"api","ready":true,"uptimeSeconds":3}}"#.utf8)
            #expect(try HealthReply.decoded(from: old).breakers == [])
            let reply = HealthReply(service: "x", ready: true, uptimeSeconds: 1, breakers: [status])
            #expect(try HealthReply.decoded(from: reply.encoded()) == reply)
        }
    }
}
