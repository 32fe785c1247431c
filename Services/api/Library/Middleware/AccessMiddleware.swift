import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import ServiceSupport

/// API keys, scopes and rate limits: a presented key (`X-API-Key`, or `Authorization: Bearer`) must be a stored one;
/// every POST and DELETE needs one, with the scope its route names (`index:build`, `index:export`, `index:admin`),
/// and with `API_READ_AUTH=true` every GET needs `index:read`. No credential where one is needed is 401, a credential
/// without the scope 403. Then the request takes a token from its client's bucket or gets 429 with `Retry-After`.
package struct AccessMiddleware: RouterMiddleware {
    package typealias Context = APIRequestContext

    private let keys: APIKeyStore
    private let limiter: RateLimiter
    private let readAuth: Bool
    private let jwt: JWTVerifier?
    private let failures = Counter(label: "api_auth_failures_total")

    /// Checks keys against `keys`, bearer JWTs with `jwt` (when configured), and limits with `limiter`; `readAuth`:
    /// GETs need `index:read`.
    package init(keys: APIKeyStore, limiter: RateLimiter, readAuth: Bool = false, jwt: JWTVerifier? = nil) {
        self.keys = keys
        self.limiter = limiter
        self.readAuth = readAuth
        self.jwt = jwt
    }

    package func handle(
        _ request: Request, context: APIRequestContext,
        next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        // Probes and scrapes are never throttled: an orchestrator must see the truth even while a client bursts.
        if Self.operational.contains(request.uri.path) { return try await next(request, context) }
        var context = context
        let needed = Self.scope(of: request, readAuth: readAuth)
        var granted: Set<Scope> = []
        let presented = try Self.presentedKey(request)
        if let jwt, request.headers[.xAPIKey] == nil, let token = presented, JWTVerifier.looksLikeJWT(token) {
            do {
                let credential = try await jwt.verify(token)
                context.keyName = "jwt:\(credential.subject)"
                granted = credential.scopes
            } catch let refusal as JWTVerifier.Refusal {
                failures.increment()
                throw APIError(.unauthorized, code: "invalid_token", message: refusal.description)
                    .with(header: .wwwAuthenticate, #"Bearer error="invalid_token""#)
            }
        } else if let presented {
            guard let entry = keys.entry(of: presented) else {
                failures.increment()
                throw APIError(.unauthorized, code: "invalid_api_key", message: "the API key is not valid")
                    .with(header: .wwwAuthenticate, "Bearer")
            }
            context.keyName = entry.name
            granted = entry.scopes
        } else if needed != nil || request.method == .post || request.method == .delete {
            failures.increment()
            throw APIError(
                .unauthorized, code: "api_key_required",
                message: "this endpoint needs an API key in X-API-Key or Authorization: Bearer"
            ).with(header: .wwwAuthenticate, "Bearer")
        }
        if let needed, !granted.contains(needed) {
            failures.increment()
            throw APIError(
                .forbidden, code: "insufficient_scope",
                message: "this request needs the scope \(needed.rawValue); the credential has "
                    + (granted.isEmpty ? "none" : granted.sorted().map(\.rawValue).joined(separator: ", "))
            ).with(header: .wwwAuthenticate, #"Bearer error="insufficient_scope", scope="\#(needed.rawValue)""#)
        }
        if let wait = limiter.admit(context.client) {
            let seconds = max(
                1, Int((Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18).rounded(.up)))
            throw APIError(.tooManyRequests, code: "rate_limited", message: "too many requests; retry in \(seconds) s")
                .with(header: .retryAfter, "\(seconds)")
        }
        return try await next(request, context)
    }

    /// The scope a request needs: its route's for a POST or DELETE, `index:read` for a GET when reads are closed;
    /// nil when none (an unknown route's POST or DELETE still needs some credential).
    static func scope(of request: Request, readAuth: Bool) -> Scope? {
        let path = request.uri.path
        switch request.method {
        case .get, .head: return readAuth ? .read : nil
        case .post:
            switch path {
            case "/build-index": return .build
            case "/export-data": return .export
            case "/indexes": return .admin
            default: return nil
            }
        case .delete:
            if path.hasPrefix("/indexes/") { return .admin }
            if path.hasPrefix("/jobs/") { return .build }
            return nil
        default: return nil
        }
    }

    /// Paths outside keys and limits.
    static let operational: Set<String> = ["/health", "/ready", "/metrics"]

    /// The key in `X-API-Key` or an `Authorization: Bearer` header; a malformed Authorization is an error.
    static func presentedKey(_ request: Request) throws -> String? {
        if let key = request.headers[.xAPIKey] {
            let trimmed = key.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else {
                throw APIError(.unauthorized, code: "invalid_api_key", message: "X-API-Key is empty")
            }
            return trimmed
        }
        guard let authorization = request.headers[.authorization] else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError(
                .unauthorized, code: "invalid_authorization", message: "Authorization must be 'Bearer <API key>'"
            ).with(header: .wwwAuthenticate, "Bearer")
        }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }
}

extension HTTPField.Name {
    /// `X-API-Key`.
    static let xAPIKey = HTTPField.Name("X-API-Key")!
}
