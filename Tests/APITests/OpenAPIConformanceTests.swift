import APIService
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NATSClient
import NIOCore
import Pipeline
import Resilience
import Synchronization
import TestSupport
import Testing

@Suite("OpenAPI document")
struct OpenAPIConformanceTests {
    struct Call: Sendable, CustomStringConvertible {
        var method: HTTPRequest.Method
        var uri: String
        var body: String? = nil
        var headers: HTTPFields = [:]
        /// The documented path the call exercises.
        var path: String
        var status: Int
        var description: String { "\(method) \(uri) -> \(status)" }
    }

    static func document(_ client: any TestClientProtocol) async throws -> [String: Any] {
        let response = try await client.get("/openapi.json")
        #expect(response.status == .ok)
        return try response.json
    }

    @Test("it is OpenAPI 3.1 and documents exactly the routes the router has")
    func routesMatch() async throws {
        let api = try TestAPI()
        let router = APIRouter.build(try api.dependencies())
        let routed = Set(
            router.routes.map { route in
                let path = route.path.description.split(separator: "/").map { part in
                    part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
                }
                return "\(route.method.rawValue.lowercased()) /\(path.joined(separator: "/"))"
            })
        let text = try await api.test { client in String(buffer: try await client.get("/openapi.json").body) }
        let document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0) \(path)" } })
        #expect(routed == documented)
    }

    @Test("every answer the API gives has a documented status and a body that conforms to its schema")
    func answersConform() async throws {
        let api = try TestAPI()
        let key: HTTPFields = [.apiKey: api.key]
        let initialCalls: [Call] = [
            Call(
                method: .get, uri: "/index-performance?start_date=2024-01-02", path: "/index-performance", status: 200),
            Call(
                method: .get, uri: "/index-performance?start_date=2023-06-01&end_date=2023-06-02",
                path: "/index-performance", status: 200),
            Call(method: .get, uri: "/index-performance?start_date=bad", path: "/index-performance", status: 400),
            Call(
                method: .get, uri: "/index-performance?start_date=2024-01-02&index=x", path: "/index-performance",
                status: 404),
            Call(
                method: .get, uri: "/index-performance?start_date=2024-01-02", headers: [.apiKey: "nope"],
                path: "/index-performance", status: 401),
            Call(method: .get, uri: "/index-composition?date=2024-01-05", path: "/index-composition", status: 200),
            Call(method: .get, uri: "/index-composition?date=2023-01-05", path: "/index-composition", status: 404),
            Call(method: .get, uri: "/index-composition?date=2024-13-01", path: "/index-composition", status: 400),
            Call(
                method: .get, uri: "/composition-changes?start_date=2024-01-01", path: "/composition-changes",
                status: 200),
            Call(
                method: .get, uri: "/composition-changes?start_date=2024-01-09&end_date=2024-01-01",
                path: "/composition-changes", status: 400),
            Call(
                method: .get, uri: "/corporate-actions?start_date=2024-01-01", path: "/corporate-actions",
                status: 200),
            Call(
                method: .get, uri: "/corporate-actions?start_date=2024-01-01&ticker=AAA", path: "/corporate-actions",
                status: 200),
            Call(
                method: .get, uri: "/corporate-actions?start_date=2024-01-01&index=ew100", path: "/corporate-actions",
                status: 400),
            Call(
                method: .get, uri: "/index-performance?start_date=2024-01-02&index=ew100-tr",
                path: "/index-performance", status: 200),
            Call(
                method: .post, uri: "/build-index", body: #"{"start_date": "2024-01-02"}"#, headers: key,
                path: "/build-index", status: 202),
            Call(
                method: .post, uri: "/build-index", body: #"{"start_date": "2024-01-02"}"#, path: "/build-index",
                status: 401),
            Call(method: .post, uri: "/build-index", body: "{", headers: key, path: "/build-index", status: 400),
            Call(
                method: .post, uri: "/build-index", body: #"{"start_date": "2024-01-06", "end_date": "2024-01-07"}"#,
                headers: key, path: "/build-index", status: 422),
            Call(
                method: .post, uri: "/build-index", body: #"{"start_date": "2024-01-02", "index": "x"}"#, headers: key,
                path: "/build-index", status: 404),
            Call(method: .get, uri: "/jobs/job-none", path: "/jobs/{id}", status: 404),
            Call(method: .delete, uri: "/jobs/job-none", headers: key, path: "/jobs/{id}", status: 404),
            Call(method: .delete, uri: "/jobs/job-none", path: "/jobs/{id}", status: 401),
            Call(method: .get, uri: "/jobs?limit=0", path: "/jobs", status: 400),
            Call(method: .get, uri: "/jobs?cursor=job-none", path: "/jobs", status: 400),
            Call(
                method: .post, uri: "/export-data", body: #"{"start_date": "2024-01-02", "format": "json"}"#,
                headers: key, path: "/export-data", status: 200),
            Call(
                method: .post, uri: "/export-data", body: #"{"start_date": "2024-01-02", "format": "csv"}"#,
                headers: key, path: "/export-data", status: 200),
            Call(
                method: .post, uri: "/export-data", body: #"{"start_date": "2024-01-02"}"#, headers: key,
                path: "/export-data", status: 200),
            Call(
                method: .post, uri: "/export-data", body: #"{"start_date": "2024-01-02", "format": "doc"}"#,
                headers: key, path: "/export-data", status: 400),
            Call(
                method: .post, uri: "/export-data", body: #"{"start_date": "2024-01-02"}"#, path: "/export-data",
                status: 401),
            Call(method: .get, uri: "/openapi.json", path: "/openapi.json", status: 200),
            Call(method: .get, uri: "/health", path: "/health", status: 200),
            Call(method: .get, uri: "/ready", path: "/ready", status: 200),
            Call(method: .get, uri: "/metrics", path: "/metrics", status: 200),
        ]
        let jobID = Mutex<String?>(nil)
        let exercised = try await api.test { client in
            var calls = initialCalls
            let document = try await Self.document(client)
            var seen: [String: Set<Int>] = [:]
            var index = 0
            while index < calls.count {
                let call = calls[index]
                index += 1
                var headers = call.headers
                if call.body != nil { headers[.contentType] = "application/json" }
                let response = try await client.execute(
                    uri: call.uri, method: call.method, headers: headers, body: call.body.map { ByteBuffer(string: $0) }
                )
                #expect(response.status.code == call.status, "\(call)")
                try Self.check(response, against: document, call: call)
                seen[call.path, default: []].insert(response.status.code)
                if call.status == 202, let id = try response.json["id"] as? String, jobID.withLock({ $0 }) == nil {
                    jobID.withLock { $0 = id }
                    calls.append(Call(method: .get, uri: "/jobs/\(id)", path: "/jobs/{id}", status: 200))
                    calls.append(Call(method: .get, uri: "/jobs?limit=1", path: "/jobs", status: 200))
                    calls.append(
                        Call(method: .delete, uri: "/jobs/\(id)", headers: key, path: "/jobs/{id}", status: 200))
                    calls.append(
                        Call(method: .delete, uri: "/jobs/\(id)", headers: key, path: "/jobs/{id}", status: 409))
                }
                if call.status == 200, let etag = response.headers[.eTag] {
                    calls.append(
                        Call(
                            method: call.method, uri: call.uri, headers: [.ifNoneMatch: etag], path: call.path,
                            status: 304))
                }
            }
            return seen
        }
        // Every documented operation was called.
        #expect(Set(exercised.keys).count == 12)

        // 429 and 503 need a limiter and a failing storage.
        let limited = try TestAPI(limits: .init(capacity: 1, refillPerSecond: 0.01))
        limited.reader.state.withLock {
            $0.failure = PipelineError.unavailable(dependency: "storage", reason: "no responders")
        }
        limited.reader.state.withLock { $0.reachable = false }
        try await limited.test { client in
            let document = try await Self.document(client)
            let unavailable = try await client.get("/ready")
            #expect(unavailable.status == .serviceUnavailable)
            try Self.check(
                unavailable, against: document, call: Call(method: .get, uri: "/ready", path: "/ready", status: 503))
            let throttled = try await client.get("/index-performance?start_date=2024-01-02")
            #expect(throttled.status == .tooManyRequests)
            try Self.check(
                throttled, against: document, call: Call(method: .get, uri: "", path: "/index-performance", status: 429)
            )
        }
        let failing = try TestAPI()
        failing.reader.state.withLock {
            $0.failure = PipelineError.unavailable(dependency: "storage", reason: "no responders")
        }
        try await failing.test { client in
            let document = try await Self.document(client)
            let response = try await client.get("/index-performance?start_date=2024-01-02")
            #expect(response.status == .serviceUnavailable)
            try Self.check(
                response, against: document, call: Call(method: .get, uri: "", path: "/index-performance", status: 503))
        }
    }

    /// The status is documented for the operation; a JSON body conforms to the documented schema; the content type
    /// is one the document lists.
    static func check(_ response: TestResponse, against document: [String: Any], call: Call) throws {
        let validator = SchemaValidator(document: document)
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let operation = try #require(paths[call.path]?[call.method.rawValue.lowercased()] as? [String: Any], "\(call)")
        let responses = try #require(operation["responses"] as? [String: Any])
        guard let documented = responses[String(response.status.code)] as? [String: Any] else {
            Issue.record("\(call): status \(response.status.code) is not documented")
            return
        }
        let resolved = validator.resolve(documented)
        guard let content = resolved["content"] as? [String: [String: Any]] else {
            #expect(response.body.readableBytes == 0, "\(call): body where none is documented")
            return
        }
        let type = String(response.headers[.contentType]?.split(separator: ";").first ?? "")
        let media = try #require(content[type], "\(call): content type \(type) not documented")
        guard type == "application/json", let schema = media["schema"] as? [String: Any] else { return }
        let value = try JSONSerialization.jsonObject(
            with: Data(response.body.readableBytesView), options: [.fragmentsAllowed])
        let problems = validator.problems(value, schema)
        #expect(problems.isEmpty, "\(call): \(problems.prefix(5))")
    }
}
