import Resilience

/// A vendor request that failed, naming the vendor and the endpoint (path and query, never the key).
///
/// Whether trying again can help is the kind's: ``isPermanent``. A provider's `session(_:)` throws a permanent one
/// wrapped in ``PermanentVendorError``, which a pipeline stage dead-letters at once; a transient one is thrown as is
/// and the stage's message is redelivered after a delay (at least ``retryAfter`` when the vendor gave one).
package struct VendorError: Error, Equatable, CustomStringConvertible, RetryAfterProviding {
    /// What went wrong.
    package enum Kind: Sendable, Equatable {
        /// HTTP 429; `retryAfter` is the vendor's `Retry-After` hint when it gave a valid one (capped).
        case rateLimited(retryAfter: Duration?)
        /// A 5xx status; `retryAfter` is a 503's `Retry-After` hint when it gave a valid one (capped).
        case server(status: Int, retryAfter: Duration? = nil)
        /// No response within the request timeout, or HTTP 408 (the vendor gave up waiting for the request).
        case timeout
        /// The connection failed.
        case transport(message: String)
        /// A 4xx other than 404, 408 and 429 (a bad key, a plan that does not cover the endpoint); `message` is the
        /// start of the body, with the key cut out.
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

    /// Whether no retry can fix it: a 4xx but 408 and 429 (a bad key, a plan that does not cover the endpoint, an
    /// unknown resource) or an answer that does not parse. The same request gets the same answer.
    package var isPermanent: Bool {
        switch kind {
        case .rejected, .notFound, .malformed, .missingField, .invalidField: true
        case .rateLimited, .server, .timeout, .transport, .notYetAvailable: false
        }
    }

    /// Whether the failure says the vendor is unhealthy (what a circuit breaker counts).
    package var isOutage: Bool {
        switch kind {
        case .server, .timeout, .transport: true
        default: false
        }
    }

    /// The vendor's `Retry-After` hint of a 429 or a 503, already capped at ``VendorHTTP/maxRetryAfter``: the
    /// pipeline redelivers no sooner.
    package var retryAfter: Duration? {
        switch kind {
        case .rateLimited(let retryAfter), .server(_, let retryAfter): retryAfter
        default: nil
        }
    }

    /// One line naming vendor, endpoint and cause.
    package var description: String {
        let cause: String
        switch kind {
        case .rateLimited(let retryAfter?): cause = "rate limited (HTTP 429), retry after \(retryAfter)"
        case .rateLimited(nil): cause = "rate limited (HTTP 429)"
        case .server(let status, let retryAfter?): cause = "server error (HTTP \(status)), retry after \(retryAfter)"
        case .server(let status, nil): cause = "server error (HTTP \(status))"
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

/// A vendor failure no retry can fix (``VendorError/isPermanent``), as a provider's `session(_:)` throws it: a
/// ``PermanentError``, so the pipeline dead-letters the request at once with this description as the reason.
package struct PermanentVendorError: PermanentError, Equatable {
    /// The failure.
    package var error: VendorError

    /// Marks `error`, which must be permanent.
    package init(_ error: VendorError) {
        precondition(error.isPermanent, "\(error) is not permanent")
        self.error = error
    }

    /// The vendor.
    package var vendor: String { error.vendor }
    /// The endpoint, without the key.
    package var endpoint: String { error.endpoint }
    /// What went wrong.
    package var kind: VendorError.Kind { error.kind }

    /// The vendor error's line, saying no retry can fix it.
    package var description: String { "\(error) (permanent: not retried)" }
}
