import APIService
import Contracts
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Resilience
import ResilienceTesting
import ServiceSupport
import Synchronization
import TestSupport
import Testing

@Suite("API keys and rate limits")
struct SecurityTests {
    static let build = #"{"start_date": "2024-01-02", "end_date": "2024-01-05"}"#

    @Test("a POST without a key is 401 api_key_required with WWW-Authenticate; nothing is queued")
    func postNeedsKey() async throws {
        let api = try TestAPI()
        try await api.test { client in
            for uri in ["/build-index", "/export-data"] {
                let response = try await client.post(uri, json: Self.build)
                #expect(response.status == .unauthorized)
                #expect(response.errorCode == "api_key_required")
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
            }
        }
        #expect(api.published.isEmpty)
    }

    @Test("a valid key works in X-API-Key and as a bearer token")
    func validKey() async throws {
        let api = try TestAPI()
        try await api.test { client in
            let header = try await client.post("/build-index", json: Self.build, headers: [.apiKey: api.key])
            #expect(header.status == .accepted)
            let bearer = try await client.post(
                "/build-index", json: Self.build, headers: [.authorization: "Bearer \(api.key)"])
            #expect(bearer.status == .accepted)
        }
        #expect(api.published.count == 2)
    }

    @Test(
        "a wrong, empty or malformed credential is 401 on POST and GET alike",
        arguments: [
            ("X-API-Key", "ewi_0000"), ("X-API-Key", " "), ("Authorization", "Basic YWxpY2U6c2VjcmV0"),
            ("Authorization", "Bearer"), ("Authorization", "Bearer ewi_not-a-key"),
        ]
    )
    func badCredential(name: String, value: String) async throws {
        let api = try TestAPI()
        let field = HTTPField.Name(name)!
        try await api.test { client in
            let post = try await client.post("/build-index", json: Self.build, headers: [field: value])
            #expect(post.status == .unauthorized)
            let get = try await client.get("/index-composition", headers: [field: value])
            #expect(get.status == .unauthorized)
            #expect(["invalid_api_key", "invalid_authorization"].contains(get.errorCode ?? ""))
        }
        #expect(api.published.isEmpty)
    }

    @Test("a key changed by a single character is refused")
    func nearMiss() async throws {
        let api = try TestAPI()
        var altered = Array(api.key)
        altered[altered.count - 1] = altered.last == "0" ? "1" : "0"
        let wrong = String(altered)
        try await api.test { client in
            let response = try await client.post("/build-index", json: Self.build, headers: [.apiKey: wrong])
            #expect(response.status == .unauthorized)
        }
    }

    @Test("GETs need no key")
    func getsAreOpen() async throws {
        let api = try TestAPI()
        try await api.test { client in
            do {
                let status = try await client.get("/index-composition").status
                #expect(status == .ok)
            }
        }
    }

    @Test("a key added to the file while the API runs works without a restart")
    func reload() async throws {
        let api = try TestAPI()
        try await api.test { client in
            let later = try APIKeyFile.create(name: "later", path: api.keysPath)
            // Polled with a deadline: the store notices the file's change on a request after it was written.
            let accepted = try await eventually {
                try await client.post("/build-index", json: Self.build, headers: [.apiKey: later]).status == .accepted
            }
            #expect(accepted)
        }
    }

    @Test("the token bucket answers 429 with Retry-After once a client's burst is spent, and refills")
    func rateLimit() async throws {
        let api = try TestAPI(limits: .init(capacity: 3, refillPerSecond: 0.5))
        try await api.test { client in
            for _ in 0..<3 {
                let status = try await client.get("/index-composition").status
                #expect(status == .ok)
            }
            let limited = try await client.get("/index-composition")
            #expect(limited.status == .tooManyRequests)
            #expect(limited.errorCode == "rate_limited")
            #expect(limited.headers[.retryAfter] == "2")
            api.clock.advance(by: .seconds(2))
            do {
                let status = try await client.get("/index-composition").status
                #expect(status == .ok)
            }
            do {
                let status = try await client.get("/index-composition").status
                #expect(status == .tooManyRequests)
            }
        }
    }

    @Test("each key has its own bucket, apart from keyless clients; probes are never limited")
    func perKeyBuckets() async throws {
        let api = try TestAPI(limits: .init(capacity: 1, refillPerSecond: 0.001))
        let other = try APIKeyFile.create(name: "other", path: api.keysPath)
        try await api.test { client in
            do {
                let status = try await client.get("/index-composition", headers: [.apiKey: api.key]).status
                #expect(status == .ok)
            }
            do {
                let status = try await client.get("/index-composition", headers: [.apiKey: api.key]).status
                #expect(status == .tooManyRequests)
            }
            do {
                let status = try await client.get("/index-composition", headers: [.apiKey: other]).status
                #expect(status == .ok)
            }
            do {
                let status = try await client.get("/index-composition").status
                #expect(status == .ok)
            }
            do {
                let status = try await client.get("/index-composition").status
                #expect(status == .tooManyRequests)
            }
            for _ in 0..<5 {
                do {
                    let status = try await client.get("/health").status
                    #expect(status == .ok)
                }
                do {
                    let status = try await client.get("/metrics").status
                    #expect(status == .ok)
                }
            }
        }
    }

    @Test("the key file holds a SHA-256 digest, never the key, and is readable by its owner only")
    func keyFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)").path
        let key = try APIKeyFile.create(name: "ops", path: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains(key))
        #expect(key.hasPrefix(APIKeyFile.keyPrefix) && key.count == APIKeyFile.keyPrefix.count + 64)
        #expect(text.contains("ops sha256:"))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let store = try APIKeyStore(path: path)
        #expect(store.name(of: key) == "ops")
        #expect(store.name(of: key.uppercased()) == nil)
        #expect(throws: APIKeyFileError.self) { try APIKeyFile.create(name: "ops", path: path) }
        #expect(throws: APIKeyFileError.self) { try APIKeyFile.create(name: "has space", path: path) }
        #expect(throws: APIKeyFileError.self) { try APIKeyFile.create(name: "", path: path) }
    }

    @Test("a malformed key file is an error naming the line")
    func malformedFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)").path
        try "# comment\nops sha256:abcd\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: APIKeyFileError.malformed(path: path, line: 2)) { try APIKeyStore(path: path) }
    }

    @Test("digests are compared without regard to where they differ")
    func constantTimeEqual() {
        let a: [UInt8] = Array(repeating: 7, count: 32)
        var b = a
        #expect(APIKeyStore.constantTimeEqual(a, b))
        b[0] = 8
        #expect(!APIKeyStore.constantTimeEqual(a, b))
        b = a
        b[31] = 8
        #expect(!APIKeyStore.constantTimeEqual(a, b))
        #expect(!APIKeyStore.constantTimeEqual(a, Array(a.dropLast())))
    }

    @Test("each POST and DELETE needs its route's scope: 403 insufficient_scope with a valid key that lacks it")
    func scopes() async throws {
        let api = try TestAPI()
        let reader = try APIKeyFile.create(name: "reader", scopes: [.read], path: api.keysPath)
        let exporter = try APIKeyFile.create(name: "exporter", scopes: [.export], path: api.keysPath)
        let builder = try APIKeyFile.create(name: "builder", scopes: [.build], path: api.keysPath)
        try await api.test { client in
            let build = try await client.post("/build-index", json: Self.build, headers: [.apiKey: reader])
            #expect(build.status == .forbidden)
            #expect(build.errorCode == "insufficient_scope")
            #expect(build.headers[.wwwAuthenticate]?.contains(#"scope="index:build""#) == true)
            #expect(
                try await client.post("/export-data", json: Self.build, headers: [.apiKey: builder]).status
                    == .forbidden)
            #expect(try await client.post("/export-data", json: Self.build, headers: [.apiKey: exporter]).status == .ok)
            let definition = #"{"id": "tech5", "size": 5}"#
            let admin = try await client.post("/indexes", json: definition, headers: [.apiKey: builder])
            #expect(admin.status == .forbidden)
            #expect(
                try await client.execute(uri: "/indexes/ew100", method: .delete, headers: [.apiKey: exporter])
                    .status == .forbidden)
            let queued = try await client.post("/build-index", json: Self.build, headers: [.apiKey: builder])
            #expect(queued.status == .accepted)
            let id = try #require(try queued.json["id"] as? String)
            #expect(
                try await client.execute(uri: "/jobs/\(id)", method: .delete, headers: [.apiKey: exporter])
                    .status == .forbidden)
            #expect(
                try await client.execute(uri: "/jobs/\(id)", method: .delete, headers: [.apiKey: builder])
                    .status == .ok)
            // Reading is open by default, with or without a key.
            #expect(try await client.get("/jobs").status == .ok)
            #expect(try await client.get("/jobs", headers: [.apiKey: exporter]).status == .ok)
        }
        #expect(api.published.count == 1)
    }

    @Test("API_READ_AUTH=true: a GET needs index:read (401 without a key, 403 without the scope); probes stay open")
    func readAuth() async throws {
        let api = try TestAPI(readAuth: true)
        let reader = try APIKeyFile.create(name: "reader", scopes: [.read], path: api.keysPath)
        let builder = try APIKeyFile.create(name: "builder", scopes: [.build], path: api.keysPath)
        try await api.test { client in
            let uri = "/index-performance?start_date=2024-01-02&end_date=2024-01-08"
            let anonymous = try await client.get(uri)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.errorCode == "api_key_required")
            #expect(try await client.get(uri, headers: [.apiKey: builder]).status == .forbidden)
            #expect(try await client.get(uri, headers: [.apiKey: reader]).status == .ok)
            #expect(try await client.get(uri, headers: [.authorization: "Bearer \(reader)"]).status == .ok)
            for probe in ["/health", "/ready", "/metrics"] { #expect(try await client.get(probe).status == .ok) }
        }
        #expect(try ServiceConfiguration(environment: ["API_READ_AUTH": "true"]).apiReadAuth)
        #expect(try ServiceConfiguration(environment: [:]).apiReadAuth == false)
        #expect(throws: ConfigurationError.self) { try ServiceConfiguration(environment: ["API_READ_AUTH": "maybe"]) }
    }
}
