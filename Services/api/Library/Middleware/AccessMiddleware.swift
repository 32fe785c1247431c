import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import ServiceSupport

/// API keys and rate limits: a presented key (`X-API-Key`, or `Authorization: Bearer`) must be a stored one; every
/// POST and DELETE needs one; then the request takes a token from its client's bucket or gets 429 with `Retry-After`.
package struct AccessMiddleware: RouterMiddleware {
    package typealias Context = APIRequestContext

    private let keys: APIKeyStore
    private let limiter: RateLimiter
    private let failures = Counter(label: "api_auth_failures_total")

    /// Checks keys against `keys` and limits with `limiter`.
    package init(keys: APIKeyStore, limiter: RateLimiter) {
        self.keys = keys
        self.limiter = limiter
    }

    package func handle(
        _ request: Request, context: APIRequestContext,
        next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        // Probes and scrapes are never throttled: an orchestrator must see the truth even while a client bursts.
        if Self.operational.contains(request.uri.path) { return try await next(request, context) }
        var context = context
        if let presented = try Self.presentedKey(request) {
            guard let name = keys.name(of: presented) else {
                failures.increment()
                throw APIError(.unauthorized, code: "invalid_api_key", message: "the API key is not valid")
                    .with(header: .wwwAuthenticate, "Bearer")
            }
            context.keyName = name
        } else if request.method == .post || request.method == .delete {
            failures.increment()
            throw APIError(
                .unauthorized, code: "api_key_required",
                message: "this endpoint needs an API key in X-API-Key or Authorization: Bearer"
            ).with(header: .wwwAuthenticate, "Bearer")
        }
        if let wait = limiter.admit(context.client) {
            let seconds = max(
                1, Int((Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18).rounded(.up)))
            throw APIError(.tooManyRequests, code: "rate_limited", message: "too many requests; retry in \(seconds) s")
                .with(header: .retryAfter, "\(seconds)")
        }
        return try await next(request, context)
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
