import Foundation
import Resilience

/// How to reach a vendor and how hard to lean on it: key, base URL, rate limit, timeout and breaker. There is no retry
/// setting: one vendor call is one HTTP attempt, and the pipeline's redelivery is the only retry.
package struct VendorConfiguration: Sendable {
    /// How the key travels.
    package enum Authentication: Sendable, Equatable {
        /// As the query parameter `name` (FMP's `apikey`).
        case queryParameter(name: String)
        /// As `Authorization: Bearer <key>` (Polygon), which keeps the key out of URLs altogether.
        case bearer
    }

    /// The API key.
    package var apiKey: String
    /// The root every endpoint path is appended to.
    package var baseURL: URL
    /// How the key is sent.
    package var authentication: Authentication
    /// The vendor's rate limit: sustained requests per second and burst.
    package var rateLimit: TokenBucket.Limits
    /// The time one request may take before it counts as timed out.
    package var timeout: Duration
    /// The breaker's thresholds; which errors count is the provider's.
    package var breaker: CircuitBreaker.Configuration
    /// Requests in flight at once while fetching a date's data.
    package var concurrency: Int

    /// A configuration; the defaults suit a paid plan of either vendor.
    package init(
        apiKey: String,
        baseURL: URL,
        authentication: Authentication,
        rateLimit: TokenBucket.Limits = TokenBucket.Limits(capacity: 10, refillPerSecond: 5),
        timeout: Duration = .seconds(30),
        breaker: CircuitBreaker.Configuration = CircuitBreaker.Configuration(
            failureRateThreshold: 50, slidingWindowSize: 20, minimumNumberOfCalls: 10,
            waitDurationInOpenState: .seconds(30), permittedNumberOfCallsInHalfOpenState: 2),
        concurrency: Int = 4
    ) {
        precondition(concurrency >= 1, "concurrency must be at least 1")
        self.apiKey = apiKey
        self.baseURL = baseURL
        self.authentication = authentication
        self.rateLimit = rateLimit
        self.timeout = timeout
        self.breaker = breaker
        self.concurrency = concurrency
    }
}
