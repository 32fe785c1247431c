import APIService
import Contracts
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import TradingCalendar

@Suite("Index definitions over REST")
struct DefinitionRouteTests {
    static let tech = #"""
        {"id": "tech10", "name": "Tech 10", "size": 10, "universe": {"sectors": ["Technology"]},
         "weighting": "capped_market_cap", "cap": 0.2, "rebalance": "monthly", "buffer": 2, "return": "total",
         "base_level": 100}
        """#

    @Test("GET /indexes lists the built-in definitions with every field, in the documented key order")
    func list() async throws {
        let api = try TestAPI()
        try await api.test { client in
            let response = try await client.get("/indexes")
            #expect(response.status == .ok)
            let indexes = try #require(try response.json["indexes"] as? [[String: Any]])
            #expect(indexes.map { $0["id"] as? String } == ["ew100", "ew100-tr"])
            #expect(indexes.map { $0["return"] as? String } == ["price", "total"])
            #expect(indexes.allSatisfy { $0["built_in"] as? Bool == true && $0["job"] is NSNull })
            #expect(indexes[0]["size"] as? Int == 100 && indexes[0]["weighting"] as? String == "equal")
            #expect(indexes[0]["cap"] is NSNull && indexes[0]["base_level"] as? Double == 1000)
            guard case .array(let ordered)? = try OrderedJSON.parse(response.body.readableBytesView)["indexes"] else {
                Issue.record("no indexes array")
                return
            }
            #expect(
                ordered.first?.keys == [
                    "id", "name", "size", "universe", "weighting", "cap", "rebalance", "buffer", "return",
                    "base_level", "built_in", "first_session", "last_session", "sessions", "job",
                ])
            #expect(try await client.get("/indexes/ew100-tr").json["return"] as? String == "total")
            #expect(try await client.get("/indexes/nope").errorCode == "unknown_index")
            #expect(try await client.get("/indexes/NOPE").status == .notFound)
        }
    }

    @Test("POST /indexes stores the definition with its defaults and queues the job that builds it; the id then works")
    func add() async throws {
        let api = try TestAPI()
        api.reader.store(JobTests.days)
        try await api.test { client in
            #expect(try await client.get("/index-performance?index=tech10").errorCode == "unknown_index")
            let response = try await client.post("/indexes", json: Self.tech, headers: [.apiKey: api.key])
            #expect(response.status == .created)
            #expect(response.headers[.location] == "/indexes/tech10")
            let body = try response.json
            #expect(body["id"] as? String == "tech10" && body["built_in"] as? Bool == false)
            #expect(body["cap"] as? Double == 0.2 && body["rebalance"] as? String == "monthly")
            #expect((body["universe"] as? [String: Any])?["sectors"] as? [String] == ["Technology"])
            #expect((body["universe"] as? [String: Any])?["exchanges"] as? [String] == [])
            let job = try #require(body["job"] as? [String: Any])
            let id = try #require(job["id"] as? String)
            #expect(job["status"] as? String == "queued")
            // The job is kept, a definition job over every stored session; the index-builder drives it from here.
            let saved = try #require(api.store.allStates().last)
            #expect(saved.id == id && saved.isDefinitionBuild && saved.index == "tech10")
            #expect(
                saved.sessionsTotal == 4 && saved.startDate == JobTests.days[0] && saved.endDate == JobTests.days[3])
            #expect(api.published.isEmpty)
            let fetched = try await client.get("/jobs/\(id)").json
            #expect(fetched["status"] as? String == "queued")
            // Every GET takes the new id.
            #expect(try await client.get("/index-performance?start_date=2024-01-02&index=tech10").status == .ok)
            #expect(try await client.get("/indexes/tech10").json["name"] as? String == "Tech 10")
            let listed = try #require(try await client.get("/indexes").json["indexes"] as? [[String: Any]])
            #expect(listed.map { $0["id"] as? String } == ["ew100", "ew100-tr", "tech10"])

            // Defaults fill what a definition leaves out.
            let minimal = try await client.post("/indexes", json: #"{"id": "small"}"#, headers: [.apiKey: api.key])
            #expect(minimal.status == .created)
            let small = try minimal.json
            #expect(small["size"] as? Int == 100 && small["rebalance"] as? String == "daily")
            #expect(small["return"] as? String == "price" && small["buffer"] as? Int == 0)
        }
    }

    @Test("an id in use is 409 and fails its job; a built-in id too")
    func conflict() async throws {
        let api = try TestAPI()
        try await api.test { client in
            #expect(try await client.post("/indexes", json: Self.tech, headers: [.apiKey: api.key]).status == .created)
            let again = try await client.post("/indexes", json: Self.tech, headers: [.apiKey: api.key])
            #expect(again.status == .conflict && again.errorCode == "index_exists")
            #expect(api.store.allStates().last?.status == .failed)
            let builtIn = try await client.post("/indexes", json: #"{"id": "ew100"}"#, headers: [.apiKey: api.key])
            #expect(builtIn.status == .conflict)
        }
    }

    @Test(
        "an invalid definition is 422 naming the field; bad JSON is 400; no key is 401",
        arguments: [
            (#"{"id": "Tech"}"#, 422, "id"),
            (#"{"name": "x"}"#, 422, "id"),
            (#"{"id": "t", "size": 0}"#, 422, "size"),
            (#"{"id": "t", "size": 2.5}"#, 422, "size"),
            (#"{"id": "t", "weighting": "capped_market_cap"}"#, 422, "cap"),
            (#"{"id": "t", "cap": 0.5}"#, 422, "cap"),
            (#"{"id": "t", "weighting": "capped_market_cap", "cap": 1.5}"#, 422, "cap"),
            (#"{"id": "t", "universe": {"sectors": ["Tech", 3]}}"#, 422, "universe.sectors[1]"),
            (#"{"id": "t", "universe": {"regions": []}}"#, 422, "universe.regions"),
            (#"{"id": "t", "rebalance": "yearly"}"#, 422, "rebalance"),
            (#"{"id": "t", "rebalnce": "weekly"}"#, 422, "rebalnce"),
            (#"{"id": "t", "return": "net"}"#, 422, "return"),
            (#"{"id": "t", "base_level": 0}"#, 422, "base_level"),
            (#"{"id": "t", "buffer": true}"#, 422, "buffer"),
            (#"{"id": "#, 400, ""),
            (#"[1]"#, 400, ""),
        ]
    )
    func invalid(body: String, status: Int, field: String) async throws {
        let api = try TestAPI()
        try await api.test { client in
            let response = try await client.post("/indexes", json: body, headers: [.apiKey: api.key])
            #expect(response.status.code == status)
            let error = try #require(try response.json["error"] as? [String: Any])
            if status == 422 {
                #expect(error["code"] as? String == "invalid_definition")
                #expect(error["field"] as? String == field)
            } else {
                #expect(error["code"] as? String == "invalid_json" && error["field"] == nil)
            }
            #expect(api.store.allStates().isEmpty)
            #expect(try await client.post("/indexes", json: body).status == .unauthorized)
        }
    }

    @Test("DELETE /indexes/{id} removes an added index (204, then 404); a built-in one is 409; no key is 401")
    func remove() async throws {
        let api = try TestAPI()
        try await api.test { client in
            _ = try await client.post("/indexes", json: Self.tech, headers: [.apiKey: api.key])
            #expect(try await client.execute(uri: "/indexes/tech10", method: .delete).status == .unauthorized)
            let removed = try await client.execute(uri: "/indexes/tech10", method: .delete, headers: [.apiKey: api.key])
            #expect(removed.status == .noContent)
            #expect(try await client.get("/indexes/tech10").status == .notFound)
            #expect(try await client.get("/index-performance?index=tech10").errorCode == "unknown_index")
            let again = try await client.execute(uri: "/indexes/tech10", method: .delete, headers: [.apiKey: api.key])
            #expect(again.status == .notFound && again.errorCode == "unknown_index")
            let builtIn = try await client.execute(uri: "/indexes/ew100", method: .delete, headers: [.apiKey: api.key])
            #expect(builtIn.status == .conflict && builtIn.errorCode == "built_in_index")
        }
    }
}
