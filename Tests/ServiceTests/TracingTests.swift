import Contracts
import Foundation
import NATSClient
import Pipeline
import TestSupport
import Testing
import TradingCalendar

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A span as an OTLP/HTTP exporter sent it (`http/json`).
struct ExportedSpan: Sendable, CustomStringConvertible {
    var service: String
    var traceID: String
    var spanID: String
    /// Nil for a root span.
    var parentID: String?
    var name: String
    var attributes: [String: String]

    var description: String { "\(service): \(name) \(spanID) <- \(parentID ?? "root") in \(traceID)" }
}

/// A local OTLP/HTTP receiver: accepts `POST /v1/traces` in `http/json` and keeps every span.
final class OTLPReceiver: Sendable {
    let server: StubHTTPServer

    init() throws {
        server = try StubHTTPServer { request in
            request.path == "/v1/traces" ? .json("{}") : .respond(status: 404, headers: [:], body: Data())
        }
    }

    /// What `OTEL_EXPORTER_OTLP_ENDPOINT` names.
    var endpoint: String { "http://127.0.0.1:\(server.port)" }

    /// Export requests received.
    var exports: Int { server.requests(to: "/v1/traces").count }

    /// Every span received so far.
    var spans: [ExportedSpan] { server.requests(to: "/v1/traces").flatMap { Self.spans(in: $0.body) } }

    /// The spans of one trace.
    func trace(_ traceID: String) -> [ExportedSpan] { spans.filter { $0.traceID == traceID } }

    static func spans(in body: Data) -> [ExportedSpan] {
        guard let root = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else { return [] }
        var result: [ExportedSpan] = []
        for resourceSpans in root["resourceSpans"] as? [[String: Any]] ?? [] {
            let resource = attributes((resourceSpans["resource"] as? [String: Any])?["attributes"])
            for scope in resourceSpans["scopeSpans"] as? [[String: Any]] ?? [] {
                for span in scope["spans"] as? [[String: Any]] ?? [] {
                    let parent = span["parentSpanId"] as? String
                    result.append(
                        ExportedSpan(
                            service: resource["service.name"] ?? "", traceID: span["traceId"] as? String ?? "",
                            spanID: span["spanId"] as? String ?? "", parentID: parent?.isEmpty == false ? parent : nil,
                            name: span["name"] as? String ?? "", attributes: attributes(span["attributes"])
                        ))
                }
            }
        }
        return result
    }

    /// OTLP key-value attributes as strings.
    static func attributes(_ list: Any?) -> [String: String] {
        var result: [String: String] = [:]
        for entry in list as? [[String: Any]] ?? [] {
            guard let key = entry["key"] as? String, let value = entry["value"] as? [String: Any] else { continue }
            result[key] = value.values.first.map { "\($0)" }
        }
        return result
    }

    func stop() { server.stop() }
}

extension ExecutableStackSuites {
    /// OpenTelemetry tracing on the built executables: one session is one trace from the fetcher to storage, an API
    /// request one trace to storage and back, and nothing is exported without `OTEL_EXPORTER_OTLP_ENDPOINT`.
    @Suite("Tracing", .serialized)
    struct TracingTests {
        static let session = "2024-01-02"

        @Test("one session is one trace with a span from every stage, each the child of the stage it came from")
        func sessionTrace() async throws {
            let receiver = try OTLPReceiver()
            defer { receiver.stop() }
            let stack = try await ExecutableStack([
                "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
                "OTEL_BSP_SCHEDULE_DELAY": "100", "SCHEDULE_ENABLED": "false",
            ])
            var passed = false
            defer { Task { [passed] in await stack.shutdown(keep: !passed) } }

            try await stack.indexctl(["backfill", "--from", Self.session, "--to", Self.session, "--timeout", "60"])

            // The root: the fetcher's span for the session.
            var root: ExportedSpan?
            #expect(
                await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
                    root = receiver.spans.first {
                        $0.name == "fetch session" && $0.attributes["pipeline.date"] == Self.session
                    }
                    return root != nil
                })
            let fetch = try #require(root, "no fetch span; spans: \(receiver.spans)")
            #expect(fetch.service == "fetcher")
            #expect(fetch.parentID == nil)

            // Every stage's span arrives in the same trace (each process exports on its own schedule).
            let expected: Set<String> = ["validate", "build index", "detect changes", "store prices", "store index"]
            var trace: [ExportedSpan] = []
            let complete = await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
                trace = receiver.trace(fetch.traceID)
                return expected.isSubset(of: Set(trace.map(\.name)))
            }
            #expect(complete, "trace \(fetch.traceID): \(trace)")
            #expect(
                Set(trace.map(\.service)).isSuperset(of: [
                    "fetcher", "validator", "index-builder", "change-detector", "storage",
                ]))

            func named(_ name: String, from service: String) -> [ExportedSpan] {
                let found = trace.filter { $0.name == name }
                #expect(!found.isEmpty && found.allSatisfy { $0.service == service }, "\(name): \(found)")
                return found
            }
            let validate = named("validate", from: "validator")
            let build = named("build index", from: "index-builder")
            #expect(validate.count == 1)
            #expect(build.count == 1)
            // Each stage's span is the child of the span that published what it handles (the builder publishes one
            // result per built-in index: a change-detector span and a storage span for each).
            #expect(validate.allSatisfy { $0.parentID == fetch.spanID })
            #expect(build.allSatisfy { $0.parentID == validate.first?.spanID })
            #expect(named("store prices", from: "storage").allSatisfy { $0.parentID == validate.first?.spanID })
            #expect(named("detect changes", from: "change-detector").allSatisfy { $0.parentID == build.first?.spanID })
            let storedIndexes = named("store index", from: "storage")
            #expect(storedIndexes.allSatisfy { $0.parentID == build.first?.spanID })
            #expect(Set(storedIndexes.compactMap { $0.attributes["pipeline.index"] }).contains(Indexes.defaultID))
            #expect(validate.first?.attributes["pipeline.date"] == Self.session)
            // One root, and every other span's parent is in the trace.
            let ids = Set(trace.map(\.spanID))
            #expect(trace.filter { $0.parentID == nil }.map(\.spanID) == [fetch.spanID])
            #expect(trace.allSatisfy { $0.parentID.map(ids.contains) ?? true }, "\(trace)")

            // An API request: one trace from the API's server span to storage's query span and back.
            let base = "http://127.0.0.1:\(stack.processEnvironment["API_PORT"] ?? "0")"
            let url = URL(
                string: base + "/index-performance?start_date=\(Self.session)&end_date=\(Self.session)")!
            let (_, response) = try await URLSession.shared.data(from: url)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            var request: [ExportedSpan] = []
            let answered = await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
                guard
                    let server = receiver.spans.first(where: {
                        $0.service == "api" && $0.attributes["url.path"] == "/index-performance"
                    })
                else { return false }
                request = receiver.trace(server.traceID)
                return request.contains { $0.service == "storage" && $0.name == "storage query" }
            }
            #expect(answered, "API trace: \(request); spans: \(receiver.spans.filter { $0.service == "api" })")
            let apiRoot = request.first { $0.parentID == nil }
            #expect(apiRoot?.service == "api")
            let byID = Dictionary(request.map { ($0.spanID, $0) }) { first, _ in first }
            #expect(request.allSatisfy { $0.parentID.map { byID[$0] != nil } ?? true }, "\(request)")
            for query in request where query.name == "storage query" {
                // Up the parents from storage's span: it descends from the API's server span.
                var ancestor: ExportedSpan? = query
                while let parent = ancestor?.parentID { ancestor = byID[parent] }
                #expect(ancestor?.spanID == apiRoot?.spanID)
            }
            passed = true
        }

        @Test(
            "a service exports its spans only with OTEL_EXPORTER_OTLP_ENDPOINT set (unset or empty: nothing is sent)",
            arguments: ["set", "empty", "unset"])
        func exportsOnlyWhenConfigured(endpoint: String) async throws {
            let receiver = try OTLPReceiver()
            defer { receiver.stop() }
            let environment = try await NATSTestEnvironment(name: "tracing")
            defer { Task { await environment.shutdown() } }
            try await environment.jetStream.ensure(.pipeline)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tracing-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            var variables = ProcessInfo.processInfo.environment
            variables["NATS_URL"] = environment.server.url
            variables["HEALTH_PORT"] = "0"
            variables["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/json"
            variables["OTEL_BSP_SCHEDULE_DELAY"] = "100"
            switch endpoint {
            case "set": variables["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.endpoint
            case "empty": variables["OTEL_EXPORTER_OTLP_ENDPOINT"] = ""
            default: variables["OTEL_EXPORTER_OTLP_ENDPOINT"] = nil
            }
            // The validator handles a batch of a Saturday without asking storage for history.
            let validator = ServiceProcess("validator", environment: variables, logDirectory: folder)
            try validator.start()
            let saturday = SessionDate("2024-01-06")!
            _ = try await environment.pipeline.publishSession(
                date: saturday, rows: [PriceRow(date: saturday, ticker: "A", close: 1, marketCap: 1)], stocks: [],
                source: "sim"
            )
            let handled = await eventually(timeout: .seconds(30), every: .milliseconds(50)) {
                (try? await environment.jetStream.streamState(StreamName.pricesValid).lastSequence) == 1
            }
            #expect(handled, "the validator did not publish; log: \(validator.log)")
            // SIGTERM flushes every span still queued: after the exit, nothing more can arrive.
            #expect(await offPool { validator.stop() })
            let validates = receiver.spans.filter { $0.service == "validator" && $0.name == "validate" }
            if endpoint == "set" {
                #expect(validates.count == 1, "\(receiver.spans)")
                #expect(validates.first?.attributes["pipeline.date"] == "\(saturday)")
            } else {
                #expect(receiver.exports == 0)
                #expect(receiver.server.requests.isEmpty)
            }
        }
    }
}
