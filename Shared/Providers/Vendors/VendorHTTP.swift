import Contracts
import Foundation
import Logging
import Resilience

/// One vendor's HTTP access: every GET waits for the vendor's token bucket, goes through its circuit breaker and makes
/// exactly one HTTP attempt; bodies come back as bytes.
///
/// There is no retry loop here: a failed request fails the session, and the pipeline's redelivery of the request
/// (JetStream `maxDeliver`, each nak with a delay) is the one outer loop. A permanent failure (a 4xx but 408 and 429, a
/// malformed answer) is not retried at all: the provider throws it as ``PermanentVendorError`` and the request is
/// dead-lettered on its first delivery. The key is added here and nowhere else; errors and logs name the endpoint
/// without it.
package struct VendorHTTP: Sendable {
    /// The longest `Retry-After` (of a 429 or a 503) honoured: a longer hint is cut to this, so one hint cannot park
    /// a request for hours; the request is redelivered after it and, should the vendor still refuse, until its
    /// deliveries run out.
    package static let maxRetryAfter: Duration = .seconds(300)

    /// The vendor's name, used in errors, logs and the breaker's name (`provider.<vendor>`).
    package let vendor: String
    /// The settings.
    package let configuration: VendorConfiguration
    /// The vendor's breaker, exposed for status and tests.
    package let breaker: CircuitBreaker
    /// The vendor's rate limiter.
    package let bucket: TokenBucket
    private let transport: any VendorTransport
    private let now: @Sendable () -> Date
    private let logger: Logger

    /// Access to `vendor` through `transport`; `clock` times the bucket and the breaker, `now` reads the wall clock
    /// for `Retry-After` dates.
    package init(
        vendor: String,
        configuration: VendorConfiguration,
        transport: any VendorTransport,
        clock: any ResilienceClock = SystemResilienceClock(),
        now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger
    ) {
        self.vendor = vendor
        self.configuration = configuration
        self.transport = transport
        self.now = now
        self.logger = logger
        bucket = TokenBucket(limits: configuration.rateLimit, clock: clock)
        var breakerConfiguration = configuration.breaker
        // Only an outage opens the breaker: a 404, a bad key or a 429 says nothing about the vendor's health, and a
        // 429 is not a success either.
        breakerConfiguration.recordError = { ($0 as? VendorError)?.isOutage ?? true }
        breakerConfiguration.isIgnored = { error in
            if error is CancellationError { return true }
            if let error = error as? VendorError, case .rateLimited = error.kind { return true }
            return false
        }
        breaker = CircuitBreaker(
            name: "provider.\(vendor)", configuration: breakerConfiguration, clock: clock, logger: logger)
    }

    /// The body of a 200 answer to GET `path` (relative to the base URL) with `query`: one HTTP attempt.
    ///
    /// - Throws: `VendorError`, `CircuitBreakerError` while the breaker is open (no request is made),
    ///   `CancellationError`.
    package func get(_ path: String, query: [(String, String)] = []) async throws -> Data {
        let endpoint = Self.endpoint(path, query: query)
        let request = try self.request(path, query: query, endpoint: endpoint)
        try await bucket.acquire()
        return try await breaker.run { try await attempt(request, endpoint: endpoint) }
    }

    /// Runs `body` (a provider's session) and throws a permanent ``VendorError`` it throws as
    /// ``PermanentVendorError``, so the pipeline dead-letters it instead of redelivering it; other errors pass as they
    /// are.
    package func markingPermanent<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as VendorError where error.isPermanent {
            throw PermanentVendorError(error)
        }
    }

    /// Decodes `T` from `data`, turning decoding failures into `VendorError`s that name the field.
    package func decode<T: Decodable>(_ type: T.Type, from data: Data, endpoint path: String, query: [(String, String)])
        throws(VendorError) -> T
    {
        do {
            return try WireCoding.standardDecoder.decode(type, from: data)
        } catch let error as DecodingError {
            throw VendorError(vendor: vendor, endpoint: Self.endpoint(path, query: query), kind: Self.kind(of: error))
        } catch {
            throw VendorError(
                vendor: vendor, endpoint: Self.endpoint(path, query: query), kind: .malformed(detail: "\(error)"))
        }
    }

    /// A `VendorError` of this vendor at `path`.
    package func error(_ path: String, query: [(String, String)] = [], _ kind: VendorError.Kind) -> VendorError {
        VendorError(vendor: vendor, endpoint: Self.endpoint(path, query: query), kind: kind)
    }

    /// The endpoint as errors and logs show it: path and query, no key.
    package static func endpoint(_ path: String, query: [(String, String)]) -> String {
        guard !query.isEmpty else { return path }
        return path + "?" + query.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    // MARK: - One attempt

    private func attempt(_ request: VendorRequest, endpoint: String) async throws -> Data {
        let response: VendorResponse
        do {
            response = try await transport.send(request)
        } catch let error as VendorTransportError {
            switch error {
            case .timeout: throw VendorError(vendor: vendor, endpoint: endpoint, kind: .timeout)
            case .transport(let message):
                throw VendorError(vendor: vendor, endpoint: endpoint, kind: .transport(message: redact(message)))
            }
        }
        switch response.status {
        case 200..<300:
            return response.body
        case 429:
            throw VendorError(vendor: vendor, endpoint: endpoint, kind: .rateLimited(retryAfter: retryAfter(response)))
        case 404:
            throw VendorError(vendor: vendor, endpoint: endpoint, kind: .notFound)
        case 408:
            throw VendorError(vendor: vendor, endpoint: endpoint, kind: .timeout)
        case 503:
            throw VendorError(
                vendor: vendor, endpoint: endpoint, kind: .server(status: 503, retryAfter: retryAfter(response)))
        case 500..<600:
            throw VendorError(vendor: vendor, endpoint: endpoint, kind: .server(status: response.status))
        default:
            throw VendorError(
                vendor: vendor, endpoint: endpoint,
                kind: .rejected(status: response.status, message: redact(Self.snippet(response.body))))
        }
    }

    /// The response's `Retry-After` (seconds or an HTTP-date), capped at ``maxRetryAfter``.
    private func retryAfter(_ response: VendorResponse) -> Duration? {
        response.header("Retry-After").flatMap { RetryAfterHeader.parse($0, now: now()) }.map {
            min($0, Self.maxRetryAfter)
        }
    }

    private func request(_ path: String, query: [(String, String)], endpoint: String) throws(VendorError)
        -> VendorRequest
    {
        let base = configuration.baseURL.absoluteString
        let trimmedBase = base.hasSuffix("/") ? String(base.dropLast()) : base
        let relative = path.hasPrefix("/") ? path : "/" + path
        guard var components = URLComponents(string: trimmedBase + relative) else {
            throw VendorError(vendor: vendor, endpoint: endpoint, kind: .malformed(detail: "cannot build the URL"))
        }
        var items = query.map { URLQueryItem(name: $0.0, value: $0.1) }
        var headers = ["Accept": "application/json"]
        switch configuration.authentication {
        case .queryParameter(let name): items.append(URLQueryItem(name: name, value: configuration.apiKey))
        case .bearer: headers["Authorization"] = "Bearer \(configuration.apiKey)"
        }
        components.queryItems = items.isEmpty ? nil : items
        // `+` is legal in a query but some servers read it as a space; keys and tickers (BRK+B) must arrive intact.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        guard let url = components.url else {
            throw VendorError(vendor: vendor, endpoint: endpoint, kind: .malformed(detail: "cannot build the URL"))
        }
        return VendorRequest(url: url, headers: headers, timeout: configuration.timeout)
    }

    /// `text` with every occurrence of the key (plain or percent-encoded) replaced, for text that came from outside.
    package func redact(_ text: String) -> String {
        let key = configuration.apiKey
        guard !key.isEmpty else { return text }
        var redacted = text.replacingOccurrences(of: key, with: "<redacted>")
        if let encoded = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics), encoded != key {
            redacted = redacted.replacingOccurrences(of: encoded, with: "<redacted>")
        }
        return redacted
    }

    private static func snippet(_ body: Data) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    private static func kind(of error: DecodingError) -> VendorError.Kind {
        switch error {
        case .keyNotFound(let key, let context):
            return .missingField(field: path(context.codingPath + [key]))
        case .valueNotFound(_, let context):
            return .missingField(field: path(context.codingPath))
        case .typeMismatch(let type, let context):
            guard !context.codingPath.isEmpty else { return .malformed(detail: "expected \(type) at the top level") }
            return .invalidField(field: path(context.codingPath), detail: "expected \(type)")
        case .dataCorrupted(let context):
            guard !context.codingPath.isEmpty else { return .malformed(detail: "not valid JSON") }
            return .invalidField(field: path(context.codingPath), detail: context.debugDescription)
        @unknown default:
            return .malformed(detail: "\(error)")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }
}
