import APIService
import Foundation
import HTTPTypes
import HummingbirdTesting
import ServiceSupport
import Testing

@Suite("Security headers and CORS")
struct HeadersTests {
    static let origin = "https://dashboard.example.com"

    /// Whether a response carries the three headers every answer must have.
    static func secured(_ response: TestResponse) -> Bool {
        response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff"
            && response.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer"
            && response.headers[HTTPField.Name("Content-Security-Policy")!]
                == SecurityHeadersMiddleware.contentSecurityPolicy
    }

    @Test("every answer has nosniff, Referrer-Policy and a same-origin CSP: success, errors, probes and metrics")
    func everyAnswer() async throws {
        let api = try TestAPI()
        try await api.test { client in
            let answers = [
                try await client.get("/index-performance?start_date=2024-01-02&end_date=2024-01-08"),
                try await client.get("/index-performance?start_date=2024-01-08&end_date=2024-01-02"),
                try await client.get("/no-such-route"),
                try await client.post("/build-index", json: #"{"start_date": "2024-01-02"}"#),
                try await client.get("/health"),
                try await client.get("/metrics"),
                try await client.get("/openapi.json"),
            ]
            #expect(answers.map(\.status.code) == [200, 400, 404, 401, 200, 200, 200])
            for answer in answers { #expect(Self.secured(answer), "\(answer.status)") }
            let policy = SecurityHeadersMiddleware.contentSecurityPolicy
            #expect(policy.hasPrefix("default-src 'self';"))
            #expect(!policy.contains("*") && !policy.contains("unsafe"))
        }
    }

    @Test("CORS is off by default: a page of another origin gets no Access-Control header, its preflight neither")
    func corsOffByDefault() async throws {
        let api = try TestAPI()
        try await api.test { client in
            let answer = try await client.get(
                "/index-performance?start_date=2024-01-02&end_date=2024-01-08", headers: [.origin: Self.origin])
            #expect(answer.status == .ok)
            #expect(answer.headers[.accessControlAllowOrigin] == nil)
            let preflight = try await client.execute(
                uri: "/build-index", method: .options,
                headers: [.origin: Self.origin, .accessControlRequestMethod: "POST"])
            #expect(preflight.headers[.accessControlAllowOrigin] == nil)
            #expect(preflight.headers[.accessControlAllowMethods] == nil)
        }
    }

    @Test("a listed origin gets CORS on answers and errors and a preflight without a key; another origin none")
    func listedOrigins() async throws {
        let api = try TestAPI(corsOrigins: ["http://127.0.0.1:3000", Self.origin])
        try await api.test { client in
            let answer = try await client.get(
                "/index-performance?start_date=2024-01-02&end_date=2024-01-08", headers: [.origin: Self.origin])
            #expect(answer.status == .ok)
            #expect(answer.headers[.accessControlAllowOrigin] == Self.origin)
            #expect(answer.headers[values: .vary].contains("Origin"))
            #expect(answer.headers[.accessControlExposeHeaders]?.contains("ETag") == true)
            #expect(Self.secured(answer))

            let refused = try await client.post(
                "/build-index", json: #"{"start_date": "2024-01-02"}"#, headers: [.origin: Self.origin])
            #expect(refused.status == .unauthorized)
            #expect(refused.headers[.accessControlAllowOrigin] == Self.origin)

            let preflight = try await client.execute(
                uri: "/build-index", method: .options,
                headers: [
                    .origin: Self.origin, .accessControlRequestMethod: "POST",
                    .accessControlRequestHeaders: "content-type, x-api-key",
                ])
            #expect(preflight.status == .noContent || preflight.status == .ok)
            #expect(preflight.headers[.accessControlAllowOrigin] == Self.origin)
            #expect(preflight.headers[.accessControlAllowMethods]?.contains("POST") == true)
            #expect(preflight.headers[.accessControlAllowHeaders]?.lowercased().contains("x-api-key") == true)
            #expect(api.published.isEmpty)

            let other = try await client.get(
                "/index-performance?start_date=2024-01-02&end_date=2024-01-08",
                headers: [.origin: "https://elsewhere.example.com"])
            #expect(other.status == .ok)
            #expect(other.headers[.accessControlAllowOrigin] == nil)
        }
    }
}
