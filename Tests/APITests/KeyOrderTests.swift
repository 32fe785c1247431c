import APIService
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("JSON key order")
struct KeyOrderTests {
    typealias Call = OpenAPIConformanceTests.Call

    /// The documented schema of `call`'s answer with `status` as application/json, if it has one.
    static func schema(of call: Call, status: Int, in checker: SchemaKeyOrder) -> OrderedJSON? {
        let operation = checker.document["paths"]?[call.path]?[call.method.rawValue.lowercased()]
        guard let response = operation?["responses"]?[String(status)] else { return nil }
        return checker.resolve(response)["content"]?["application/json"]?["schema"]
    }

    @Test("every JSON answer of every route has each object's keys in the order of its schema's properties")
    func answersFollowTheSchemaOrder() async throws {
        let api = try TestAPI()
        let key: HTTPFields = [.apiKey: api.key]
        let calls: [Call] = [
            Call(
                method: .get, uri: "/index-performance?start_date=2024-01-02", path: "/index-performance", status: 200),
            Call(
                method: .get, uri: "/index-performance?start_date=2023-06-01&end_date=2023-06-02",
                path: "/index-performance", status: 200),
            Call(method: .get, uri: "/index-performance?start_date=bad", path: "/index-performance", status: 400),
            Call(method: .get, uri: "/index-composition?date=2024-01-06", path: "/index-composition", status: 200),
            Call(method: .get, uri: "/index-composition?date=2023-01-05", path: "/index-composition", status: 404),
            Call(
                method: .get, uri: "/composition-changes?start_date=2024-01-01", path: "/composition-changes",
                status: 200),
            Call(
                method: .get, uri: "/corporate-actions?start_date=2024-01-01", path: "/corporate-actions", status: 200),
            Call(
                method: .post, uri: "/build-index", body: #"{"start_date": "2024-01-02"}"#, headers: key,
                path: "/build-index", status: 202),
            Call(method: .post, uri: "/build-index", body: "{", headers: key, path: "/build-index", status: 400),
            Call(method: .get, uri: "/jobs/job-none", path: "/jobs/{id}", status: 404),
            Call(
                method: .post, uri: "/export-data", body: #"{"start_date": "2024-01-02", "format": "json"}"#,
                headers: key, path: "/export-data", status: 200),
            Call(
                method: .post, uri: "/export-data", body: #"{"start_date": "2024-01-02"}"#, path: "/export-data",
                status: 401),
            Call(method: .get, uri: "/indexes", path: "/indexes", status: 200),
            Call(method: .get, uri: "/indexes/ew100-tr", path: "/indexes/{id}", status: 200),
            Call(
                method: .post, uri: "/indexes",
                body: #"{"id": "tech5", "size": 5, "weighting": "capped_market_cap", "cap": 0.3}"#, headers: key,
                path: "/indexes", status: 201),
            Call(method: .get, uri: "/indexes/tech5", path: "/indexes/{id}", status: 200),
            Call(
                method: .post, uri: "/indexes", body: #"{"id": "tech5"}"#, headers: key, path: "/indexes", status: 409),
            Call(
                method: .post, uri: "/indexes", body: #"{"id": "x", "cap": 2}"#, headers: key, path: "/indexes",
                status: 422),
            Call(method: .get, uri: "/health", path: "/health", status: 200),
            Call(method: .get, uri: "/ready", path: "/ready", status: 200),
        ]
        let checked = try await api.test { client in
            let documentText = try await client.get("/openapi.json").body
            var checker = SchemaKeyOrder(document: try OrderedJSON.parse(documentText.readableBytesView))
            var pending = calls
            var index = 0
            var answered = 0
            while index < pending.count {
                let call = pending[index]
                index += 1
                var headers = call.headers
                if call.body != nil { headers[.contentType] = "application/json" }
                let response = try await client.execute(
                    uri: call.uri, method: call.method, headers: headers, body: call.body.map { ByteBuffer(string: $0) }
                )
                #expect(response.status.code == call.status, "\(call)")
                let schema = try #require(Self.schema(of: call, status: response.status.code, in: checker), "\(call)")
                let body = try OrderedJSON.parse(response.body.readableBytesView)
                let problems = checker.problems(body, schema)
                #expect(problems.isEmpty, "\(call): \(problems.prefix(3))")
                answered += 1
                if call.status == 202, let id = body["id"]?.string {
                    pending.append(Call(method: .get, uri: "/jobs/\(id)", path: "/jobs/{id}", status: 200))
                }
            }
            #expect(answered == calls.count + 1)
            return checker.objectsChecked
        }
        // Points, summaries, sessions, constituents, changes, jobs, errors, the export: hundreds of objects.
        #expect(checked > 50)
    }

    @Test("the check finds keys out of the schema's order, nested ones included")
    func checkFindsDisorder() throws {
        let document = try OrderedJSON.parse(
            Data(
                #"""
                {"components": {"schemas": {
                  "Inner": {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}},
                  "Outer": {"type": "object", "properties": {"x": {"type": "string"}, "items": {"type": "array", "items": {"$ref": "#/components/schemas/Inner"}}}}
                }}}
                """#.utf8))
        var checker = SchemaKeyOrder(document: document)
        let schema = OrderedJSON.object([("$ref", .string("#/components/schemas/Outer"))])
        let inOrder = try OrderedJSON.parse(Data(#"{"x": "1", "items": [{"a": 1, "b": 2}, {"b": 2}]}"#.utf8))
        let none = checker.problems(inOrder, schema)
        #expect(none.isEmpty)
        let outerSwapped = try OrderedJSON.parse(Data(#"{"items": [], "x": "1"}"#.utf8))
        let outer = checker.problems(outerSwapped, schema)
        #expect(outer.count == 1)
        let innerSwapped = try OrderedJSON.parse(
            Data(#"{"x": "1", "items": [{"a": 1, "b": 2}, {"b": 2, "a": 1}]}"#.utf8))
        let inner = checker.problems(innerSwapped, schema)
        #expect(inner == [#"$.items[1]: keys ["b", "a"] are not in the schema's order ["a", "b"]"#])
    }
}
