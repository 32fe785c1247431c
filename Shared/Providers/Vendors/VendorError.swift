import Resilience

/// A vendor request that failed, naming the vendor and the endpoint (path and query, never the key).
package struct VendorError: Error, Equatable, CustomStringConvertible, RetryAfterProviding {
    /// What went wrong.
    package enum Kind: Sendable, Equatable {
        /// HTTP 429; `retryAfter` is the vendor's `Retry-After` hint when it gave a valid one.
        case rateLimited(retryAfter: Duration?)
        /// A 5xx status.
        case server(status: Int)
        /// No response within the request timeout.
        case timeout
        /// The connection failed.
        case transport(message: String)
        /// A 4xx other than 404 and 429 (a bad key, a plan that does not cover the endpoint); `message` is the start
        /// of the body, with the key cut out.
        case rejected(status: Int, message: String)
        /// HTTP 404: the vendor does not know the resource.
        case notFound
        /// The body is not JSON of the documented shape; `detail` says where it broke.
        case malformed(detail: String)
        /// A required field is absent or null.
        case missingField(field: String)
        /// A field holds a value of the wrong type or outside its domain.
        case invalidField(field: String, detail: String)
        /// The vendor's data for a session cannot be final yet: the session has not closed, or closed so recently that
        /// its data may still be arriving.
        case notYetAvailable
    }

    /// The vendor (`fmp`, `polygon`).
    package var vendor: String
    /// The endpoint path with its query, without the key.
    package var endpoint: String
    /// What went wrong.
    package var kind: Kind

    /// An error of `vendor` at `endpoint`.
    package init(vendor: String, endpoint: String, kind: Kind) {
        self.vendor = vendor
        self.endpoint = endpoint
        self.kind = kind
    }

    /// Whether another attempt soon may succeed: rate limits, 5xx, timeouts and connection failures.
    package var isTransient: Bool {
        switch kind {
        case .rateLimited, .server, .timeout, .transport: true
        default: false
        }
    }

    /// Whether the failure says the vendor is unhealthy (what a circuit breaker counts).
    package var isOutage: Bool {
        switch kind {
        case .server, .timeout, .transport: true
        default: false
        }
    }

    /// The vendor's `Retry-After` hint for a 429.
    package var retryAfter: Duration? {
        if case .rateLimited(let retryAfter) = kind { return retryAfter }
        return nil
    }

    /// One line naming vendor, endpoint and cause.
    package var description: String {
        let cause: String
        switch kind {
        case .rateLimited(let retryAfter?): cause = "rate limited (HTTP 429), retry after \(retryAfter)"
        case .rateLimited(nil): cause = "rate limited (HTTP 429)"
        case .server(let status): cause = "server error (HTTP \(status))"
        case .timeout: cause = "timed out"
        case .transport(let message): cause = "transport failure: \(message)"
        case .rejected(let status, let message): cause = "request rejected (HTTP \(status)): \(message)"
        case .notFound: cause = "not found (HTTP 404)"
        case .malformed(let detail): cause = "malformed response: \(detail)"
        case .missingField(let field): cause = "missing required field '\(field)'"
        case .invalidField(let field, let detail): cause = "invalid field '\(field)': \(detail)"
        case .notYetAvailable: cause = "the session's data is not final yet; try again later"
        }
        return "\(vendor) \(endpoint): \(cause)"
    }
}
