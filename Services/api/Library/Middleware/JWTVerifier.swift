import Foundation
import JWTKit
import ServiceSupport

/// Bearer JWTs, verified by jwt-kit against the keys of `JWT_JWKS_FILE` (RS256, ES256) and the secret of
/// `JWT_HS256_SECRET_FILE`: the signature (an unsigned token, `alg: none`, is never accepted), `exp` (required),
/// `nbf`, `iss` against `JWT_ISSUER` and `aud` against `JWT_AUDIENCE` when they are set; the token's scopes are its
/// `scope` claim (space-separated, as OAuth 2 writes it).
package final class JWTVerifier: Sendable {
    /// What a verified token allows, and whom it names (for logs and rate limits).
    package struct Credential: Sendable, Equatable {
        /// `sub`, or "jwt" when the token has none.
        package var subject: String
        /// The known scopes of its `scope` claim (unknown words are ignored).
        package var scopes: Set<Scope>

        /// A credential.
        package init(subject: String, scopes: Set<Scope>) {
            self.subject = subject
            self.scopes = scopes
        }
    }

    /// Why a token is refused (the 401's message).
    package struct Refusal: Error, CustomStringConvertible {
        package var description: String
    }

    private let keys: JWTKeyCollection
    private let issuer: String?
    private let audience: String?

    /// A verifier over `keys`.
    package init(keys: JWTKeyCollection, issuer: String?, audience: String?) {
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
    }

    /// The verifier of a configuration; nil when neither `JWT_JWKS_FILE` nor `JWT_HS256_SECRET_FILE` is set. A file
    /// that cannot be read, an empty secret or a key set jwt-kit cannot use stops the API at start.
    package static func load(_ configuration: ServiceConfiguration) async throws -> JWTVerifier? {
        guard configuration.jwtJWKSFile != nil || configuration.jwtHS256SecretFile != nil else { return nil }
        let keys = JWTKeyCollection()
        if let path = configuration.jwtHS256SecretFile {
            let secret = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines)
            guard !secret.isEmpty else {
                throw ConfigurationError.invalid(
                    name: "JWT_HS256_SECRET_FILE", value: path, expected: "a file holding a non-empty secret")
            }
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        }
        if let path = configuration.jwtJWKSFile {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            do {
                try await keys.add(jwksJSON: text)
            } catch {
                throw ConfigurationError.invalid(
                    name: "JWT_JWKS_FILE", value: path, expected: "a JSON Web Key Set of RS256 or ES256 keys (\(error))"
                )
            }
        }
        return JWTVerifier(keys: keys, issuer: configuration.jwtIssuer, audience: configuration.jwtAudience)
    }

    /// Whether `bearer` has the shape of a JWT (three dot-separated parts) rather than an API key.
    package static func looksLikeJWT(_ bearer: String) -> Bool {
        bearer.split(separator: ".", omittingEmptySubsequences: false).count == 3
    }

    /// The credential of a valid token; a ``Refusal`` naming what is wrong otherwise.
    package func verify(_ token: String) async throws -> Credential {
        let payload: TokenPayload
        do {
            // A key set with several keys: the header's `kid` picks one; without one, each key is tried.
            payload = try await keys.verify(token, as: TokenPayload.self, iteratingKeys: true)
        } catch let error as JWTError {
            throw Refusal(description: "the token is not valid: \(error.reason ?? "\(error.errorType)")")
        } catch {
            throw Refusal(description: "the token is not valid: \(error)")
        }
        if let issuer, payload.iss?.value != issuer {
            throw Refusal(description: "the token's issuer is not \(issuer)")
        }
        if let audience, !(payload.aud?.value.contains(audience) ?? false) {
            throw Refusal(description: "the token is not meant for \(audience)")
        }
        let words = (payload.scope ?? "").split(separator: " ").map(String.init)
        return Credential(subject: payload.sub?.value ?? "jwt", scopes: Set(words.compactMap(Scope.init(rawValue:))))
    }
}

/// The claims the API reads; `exp` is required, `nbf` checked when present (jwt-kit checks the signature first).
struct TokenPayload: JWTPayload {
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?
    var iss: IssuerClaim?
    var aud: AudienceClaim?
    var sub: SubjectClaim?
    var scope: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try nbf?.verifyNotBefore()
    }
}
