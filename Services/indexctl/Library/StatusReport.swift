import Contracts
import Foundation
import NATSClient
import Pipeline
import ServiceSupport
import TradingCalendar

/// What `indexctl status` reports: stream and consumer lag, each service's health and breakers, and the last
/// session each stage has reached.
package struct StatusReport: Codable, Sendable, Equatable {
    /// One stream.
    package struct StreamRow: Codable, Sendable, Equatable {
        /// The stream.
        package var name: String
        /// Its state; nil when it could not be read.
        package var state: StreamState?
        /// The latest session among the subjects it holds (streams keyed by session only).
        package var lastSession: SessionDate?
        /// Why the state is missing.
        package var error: String?
    }

    /// One durable consumer.
    package struct ConsumerRow: Codable, Sendable, Equatable {
        /// The stream it reads.
        package var stream: String
        /// Its durable name.
        package var durable: String
        /// Its state; nil when it could not be read.
        package var state: ConsumerState?
        /// Why the state is missing.
        package var error: String?
    }

    /// One service's answer to its health ping.
    package struct ServiceRow: Codable, Sendable, Equatable {
        /// The service.
        package var service: String
        /// Whether it answered.
        package var up: Bool
        /// Whether it is ready (false when down).
        package var ready: Bool
        /// Seconds since it started.
        package var uptimeSeconds: Double?
        /// Its circuit breakers.
        package var breakers: [BreakerStatus]
        /// Why it did not answer.
        package var error: String?
    }

    /// The last session a stage has reached.
    package struct StageRow: Codable, Sendable, Equatable {
        /// `raw published`, `validated`, `computed`, `prices stored`, `index stored`.
        package var stage: String
        /// Where the answer comes from: a stream (what it still holds) or storage.
        package var source: String
        /// The latest session; nil when none.
        package var lastSession: SessionDate?
    }

    /// The streams, in topology order.
    package var streams: [StreamRow]
    /// The consumers, in topology order.
    package var consumers: [ConsumerRow]
    /// The services, in `indexctl ping` order.
    package var services: [ServiceRow]
    /// The last session per stage, in pipeline order.
    package var stages: [StageRow]
    /// Storage's counts; nil when storage did not answer.
    package var storage: StatusReply?
    /// Why storage did not answer.
    package var storageError: String?

    /// The streams whose latest session says how far each streamed stage got.
    static let stagedStreams: [(stage: String, stream: String)] = [
        ("raw published", StreamName.pricesRaw),
        ("validated", StreamName.pricesValid),
        ("computed", StreamName.index),
    ]

    /// Asks JetStream, every service and storage; what does not answer is reported, not thrown.
    /// - Parameters:
    ///   - pipeline: the stack's pipeline.
    ///   - index: the index whose stored sessions are reported.
    ///   - timeout: how long to wait for each service and for storage.
    package static func gather(
        pipeline: NATSPipeline, index: String = Indexes.defaultID, timeout: Duration = .seconds(2)
    ) async -> StatusReport {
        var streams: [StreamRow] = []
        var latestByStream: [String: SessionDate] = [:]
        for spec in Topology.pipeline.streams {
            var row = StreamRow(name: spec.name)
            do {
                let overview = try await pipeline.overview(of: spec)
                row.state = overview.state
                row.lastSession = overview.lastSession
                latestByStream[spec.name] = overview.lastSession
            } catch {
                row.error = "\(error)"
            }
            streams.append(row)
        }
        var consumers: [ConsumerRow] = []
        for spec in Topology.pipeline.consumers {
            var row = ConsumerRow(stream: spec.stream, durable: spec.durable)
            do {
                row.state = try await pipeline.state(of: spec)
            } catch {
                row.error = "\(error)"
            }
            consumers.append(row)
        }
        var services: [ServiceRow] = []
        for service in IndexCtl.Ping.services {
            do {
                let health = try await pipeline.ping(service, timeout: timeout)
                services.append(
                    ServiceRow(
                        service: service, up: true, ready: health.ready, uptimeSeconds: health.uptimeSeconds,
                        breakers: health.breakers
                    )
                )
            } catch {
                services.append(ServiceRow(service: service, up: false, ready: false, breakers: [], error: "\(error)"))
            }
        }
        var storage: StatusReply?
        var storageError: String?
        do {
            storage = try await NATSStorageClient(
                connection: pipeline.connection, logger: pipeline.logger, timeout: timeout, attempts: 1,
                name: "storage-status"
            ).ask(StatusQuery(index: index))
        } catch {
            storageError = "\(error)"
        }
        var stages = stagedStreams.map {
            StageRow(stage: $0.stage, source: "stream \($0.stream)", lastSession: latestByStream[$0.stream])
        }
        stages.append(StageRow(stage: "prices stored", source: "storage", lastSession: storage?.lastPriceSession))
        stages.append(StageRow(stage: "index stored", source: "storage", lastSession: storage?.lastIndexSession))
        return StatusReport(
            streams: streams, consumers: consumers, services: services, stages: stages, storage: storage,
            storageError: storageError
        )
    }

    /// The report as JSON (sorted keys, indented), for scripts.
    package func json() throws -> String {
        String(decoding: try Self.encoder.encode(self), as: UTF8.self)
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return encoder
    }()

    /// The report as aligned tables, for people.
    package func table() -> String {
        var out: [String] = []
        func section(_ header: [String], _ rows: [[String]], rightAligned: Set<Int> = []) {
            let widths = header.indices.map { column in
                ([header] + rows).map { $0[column].count }.max() ?? 0
            }
            for line in [header] + rows {
                let cells = line.indices.map { column in
                    let pad = String(repeating: " ", count: widths[column] - line[column].count)
                    return rightAligned.contains(column) ? pad + line[column] : line[column] + pad
                }
                var text = cells.joined(separator: "  ")
                while text.hasSuffix(" ") { text.removeLast() }
                out.append(text)
            }
            out.append("")
        }
        section(
            ["STREAM", "MESSAGES", "BYTES", "FIRST SEQ", "LAST SEQ", "CONSUMERS", "LAST SESSION"],
            streams.map { row in
                guard let state = row.state else { return [row.name, "-", "-", "-", "-", "-", row.error ?? "?"] }
                return [
                    row.name, "\(state.messages)", Self.bytes(state.bytes), "\(state.firstSequence)",
                    "\(state.lastSequence)", "\(state.consumers)", row.lastSession?.description ?? "-",
                ]
            },
            rightAligned: [1, 2, 3, 4, 5]
        )
        section(
            ["CONSUMER", "STREAM", "PENDING", "ACK PENDING", "REDELIVERED", "WAITING", "ACK FLOOR"],
            consumers.map { row in
                guard let state = row.state else {
                    return [row.durable, row.stream, "-", "-", "-", "-", row.error ?? "?"]
                }
                return [
                    row.durable, row.stream, "\(state.pending)", "\(state.ackPending)", "\(state.redelivered)",
                    "\(state.waiting)", "\(state.ackFloorStreamSequence)",
                ]
            },
            rightAligned: [2, 3, 4, 5, 6]
        )
        section(
            ["SERVICE", "STATE", "UPTIME", "BREAKER", "BREAKER STATE", "FAILURE RATE", "CALLS", "FAILED", "REJECTED"],
            services.flatMap { row -> [[String]] in
                let state = !row.up ? "down" : row.ready ? "ready" : "not ready"
                let uptime = row.uptimeSeconds.map { "\(Int($0))s" } ?? "-"
                guard !row.breakers.isEmpty else {
                    return [[row.service, state, uptime, row.up ? "-" : (row.error ?? ""), "", "", "", "", ""]]
                }
                return row.breakers.enumerated().map { offset, breaker in
                    let first = offset == 0
                    return [
                        first ? row.service : "", first ? state : "", first ? uptime : "", breaker.name, breaker.state,
                        breaker.failureRate.map { String(format: "%.0f%%", $0) } ?? "-", "\(breaker.bufferedCalls)",
                        "\(breaker.failedCalls)", "\(breaker.notPermittedCalls)",
                    ]
                }
            },
            rightAligned: [2, 5, 6, 7, 8]
        )
        section(
            ["STAGE", "LAST SESSION", "FROM"],
            stages.map { [$0.stage, $0.lastSession?.description ?? "-", $0.source] }
        )
        if let storage {
            out.append(
                "storage: \(storage.indexSessions) index sessions"
                    + (storage.firstIndexSession.map { " from \($0)" } ?? "")
                    + ", \(storage.priceRows) price rows, \(storage.rejectedRows) rejected rows"
            )
        } else {
            out.append("storage: no answer (\(storageError ?? "unknown"))")
        }
        return out.joined(separator: "\n")
    }

    private static func bytes(_ count: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}
