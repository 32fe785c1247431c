import APIService
import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTKit
import ServiceSupport
import Testing

@Suite("JWT bearer tokens")
struct JWTTests {
    static let secret = "a test secret of a decent length, 0123456789"
    static let issuer = "https://issuer.example"
    static let audience = "index-api"
    static let build = #"{"start_date": "2024-01-02", "end_date": "2024-01-05"}"#

    /// The claims the tests sign (nothing checked when signing).
    struct Claims: JWTPayload {
        var exp: ExpirationClaim?
        var nbf: NotBeforeClaim?
        var iss: IssuerClaim?
        var aud: AudienceClaim?
        var sub: SubjectClaim?
        var scope: String?

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// Claims that pass: an hour left, the issuer and audience the API expects, `scope`.
    static func good(_ scope: String? = "index:build index:read") -> Claims {
        Claims(
            exp: ExpirationClaim(value: Date().addingTimeInterval(3600)), nbf: NotBeforeClaim(value: Date() - 60),
            iss: IssuerClaim(value: issuer), aud: AudienceClaim(value: [audience]), sub: SubjectClaim(value: "ops"),
            scope: scope)
    }

    static func signed(_ claims: Claims, secret: String = secret) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return try await keys.sign(claims)
    }

    /// The verifier of a configuration with the HS256 secret in a file.
    static func verifier(extra: [String: String] = [:]) async throws -> JWTVerifier {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("jwt-secret-\(UUID().uuidString)")
        try "  \(secret)\n".write(to: file, atomically: true, encoding: .utf8)
        let configuration = try ServiceConfiguration(
            environment: [
                "JWT_HS256_SECRET_FILE": file.path, "JWT_ISSUER": issuer, "JWT_AUDIENCE": audience,
            ].merging(extra) { $1 })
        return try #require(try await JWTVerifier.load(configuration))
    }

    func post(_ client: any TestClientProtocol, token: String) async throws -> TestResponse {
        try await client.post("/build-index", json: Self.build, headers: [.authorization: "Bearer \(token)"])
    }

    @Test("a signed token with the scope is accepted; without it 403; the wrong issuer, audience, key, times 401")
    func hs256() async throws {
        let api = try TestAPI(jwt: try await Self.verifier())
        let good = try await Self.signed(Self.good())
        var expired = Self.good()
        expired.exp = ExpirationClaim(value: Date() - 60)
        var early = Self.good()
        early.nbf = NotBeforeClaim(value: Date() + 3600)
        var issuer = Self.good()
        issuer.iss = IssuerClaim(value: "https://elsewhere.example")
        var audience = Self.good()
        audience.aud = AudienceClaim(value: ["another-api"])
        var endless = Self.good()
        endless.exp = nil
        let refused: [(String, String)] = [
            ("expired", try await Self.signed(expired)),
            ("not yet valid", try await Self.signed(early)),
            ("wrong issuer", try await Self.signed(issuer)),
            ("wrong audience", try await Self.signed(audience)),
            ("no exp", try await Self.signed(endless)),
            ("wrong key", try await Self.signed(Self.good(), secret: "another secret entirely, 9876543210")),
            ("alg none", Self.unsigned(Self.good())),
            ("tampered", Self.tampered(good)),
        ]
        try await api.test { client in
            let accepted = try await post(client, token: good)
            #expect(accepted.status == .accepted)
            let readOnly = try await post(client, token: try await Self.signed(Self.good("index:read")))
            #expect(readOnly.status == .forbidden)
            #expect(readOnly.errorCode == "insufficient_scope")
            let noScope = try await post(client, token: try await Self.signed(Self.good(nil)))
            #expect(noScope.status == .forbidden)
            for (name, token) in refused {
                let response = try await post(client, token: token)
                #expect(response.status == .unauthorized, "\(name)")
                #expect(response.errorCode == "invalid_token", "\(name)")
                #expect(response.headers[.wwwAuthenticate] == #"Bearer error="invalid_token""#, "\(name)")
            }
            // API keys still work beside tokens.
            #expect(
                try await client.post("/build-index", json: Self.build, headers: [.apiKey: api.key]).status
                    == .accepted)
        }
        #expect(api.published.count == 2)
    }

    @Test("without JWT settings a token is no API key: 401 invalid_api_key")
    func notConfigured() async throws {
        let api = try TestAPI()
        let token = try await Self.signed(Self.good())
        try await api.test { client in
            let response = try await post(client, token: token)
            #expect(response.status == .unauthorized)
            #expect(response.errorCode == "invalid_api_key")
        }
        #expect(try await JWTVerifier.load(ServiceConfiguration(environment: [:])) == nil)
    }

    @Test("ES256 keys of a JWKS file: the kid's key verifies; another key under that kid does not")
    func jwks() async throws {
        let key = ES256PrivateKey()
        let parameters = try #require(key.publicKey.parameters)
        let jwks =
            #"{"keys": [{"kty": "EC", "crv": "P-256", "alg": "ES256", "kid": "k1", "use": "sig", "x": ""#
            + parameters.x + #"", "y": ""# + parameters.y + #""}]}"#
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("jwks-\(UUID().uuidString).json")
        try jwks.write(to: file, atomically: true, encoding: .utf8)
        let verifier = try #require(
            try await JWTVerifier.load(
                ServiceConfiguration(environment: ["JWT_JWKS_FILE": file.path, "JWT_AUDIENCE": Self.audience])))
        let signing = JWTKeyCollection()
        await signing.add(ecdsa: key, kid: "k1")
        let good = try await signing.sign(Self.good())
        #expect(try await verifier.verify(good) == .init(subject: "ops", scopes: [.build, .read]))
        let impostor = JWTKeyCollection()
        await impostor.add(ecdsa: ES256PrivateKey(), kid: "k1")
        let forged = try await impostor.sign(Self.good())
        await #expect(throws: JWTVerifier.Refusal.self) { try await verifier.verify(forged) }
    }

    @Test("an empty secret file or a key set jwt-kit cannot read stops the API at start, naming the setting")
    func badSettings() async throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("empty-\(UUID().uuidString)")
        try " \n".write(to: empty, atomically: true, encoding: .utf8)
        let secretError = await #expect(throws: ConfigurationError.self) {
            _ = try await JWTVerifier.load(ServiceConfiguration(environment: ["JWT_HS256_SECRET_FILE": empty.path]))
        }
        #expect(secretError?.description.contains("JWT_HS256_SECRET_FILE") == true)
        let garbage = FileManager.default.temporaryDirectory.appendingPathComponent("jwks-\(UUID().uuidString)")
        try #"{"keys": [{"kty": "oct"}]"#.write(to: garbage, atomically: true, encoding: .utf8)
        let jwksError = await #expect(throws: ConfigurationError.self) {
            _ = try await JWTVerifier.load(ServiceConfiguration(environment: ["JWT_JWKS_FILE": garbage.path]))
        }
        #expect(jwksError?.description.contains("JWT_JWKS_FILE") == true)
    }

    /// `claims` as an unsigned token (`alg: none`, empty signature).
    static func unsigned(_ claims: Claims) -> String {
        let header = Data(#"{"alg":"none","typ":"JWT"}"#.utf8)
        let body = try! JSONEncoder().encode(claims)
        return base64URL(header) + "." + base64URL(body) + "."
    }

    /// `token` with its payload swapped for one that grants every scope, keeping the signature.
    static func tampered(_ token: String) -> String {
        var parts = token.split(separator: ".").map(String.init)
        var claims = good("index:read index:build index:export index:admin")
        claims.sub = SubjectClaim(value: "mallory")
        parts[1] = base64URL(try! JSONEncoder().encode(claims))
        return parts.joined(separator: ".")
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
