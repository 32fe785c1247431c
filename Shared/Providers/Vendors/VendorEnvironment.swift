import Foundation
import Resilience

/// Reads vendor settings from the environment; every variable that is set but does not parse is an error.
///
/// `PROVIDER_API_KEY` (or `PROVIDER_API_KEY_FILE`), `PROVIDER_BASE_URL`, `PROVIDER_RATE_LIMIT` (requests per
/// second), `PROVIDER_RATE_BURST`, `PROVIDER_TIMEOUT` (seconds), `PROVIDER_MAX_ATTEMPTS`,
/// `PROVIDER_BREAKER_OPEN_SECONDS`, `PROVIDER_CONCURRENCY`.
package struct VendorEnvironment: Sendable {
    /// The variables.
    package let environment: [String: String]

    /// A reader over `environment`.
    package init(_ environment: [String: String]) {
        self.environment = environment
    }

    /// The configuration of a vendor whose documented root is `defaultBaseURL`.
    package func configuration(
        defaultBaseURL: String, authentication: VendorConfiguration.Authentication
    ) throws(VendorConfigurationError) -> VendorConfiguration {
        let base = value("PROVIDER_BASE_URL") ?? defaultBaseURL
        guard let baseURL = URL(string: base), let scheme = baseURL.scheme?.lowercased(),
            scheme == "http" || scheme == "https", baseURL.host != nil
        else {
            throw .invalid(name: "PROVIDER_BASE_URL", value: base, expected: "an http(s) URL")
        }
        var configuration = VendorConfiguration(
            apiKey: try apiKey(), baseURL: baseURL, authentication: authentication)
        let rate = try number("PROVIDER_RATE_LIMIT", default: 5, range: 0.001...10_000)
        let burst = try number("PROVIDER_RATE_BURST", default: max(1, rate * 2).rounded(.up), range: 1...100_000)
        configuration.rateLimit = TokenBucket.Limits(capacity: burst, refillPerSecond: rate)
        let timeout = try number("PROVIDER_TIMEOUT", default: 30, range: 0.001...3600)
        configuration.timeout = .milliseconds(Int64((timeout * 1000).rounded()))
        configuration.retry.maxAttempts = try integer("PROVIDER_MAX_ATTEMPTS", default: 4, range: 1...20)
        let open = try number("PROVIDER_BREAKER_OPEN_SECONDS", default: 30, range: 0...86_400)
        configuration.breaker.waitDurationInOpenState = .milliseconds(Int64((open * 1000).rounded()))
        configuration.concurrency = try integer("PROVIDER_CONCURRENCY", default: 4, range: 1...64)
        return configuration
    }

    /// `PROVIDER_API_KEY`, else the first line of the file `PROVIDER_API_KEY_FILE`.
    package func apiKey() throws(VendorConfigurationError) -> String {
        if let key = value("PROVIDER_API_KEY") { return key }
        guard let path = value("PROVIDER_API_KEY_FILE") else {
            throw .missing(name: "PROVIDER_API_KEY", expected: "the vendor's API key (or PROVIDER_API_KEY_FILE)")
        }
        guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw .unreadable(name: "PROVIDER_API_KEY_FILE", path: path)
        }
        let key = contents.split(whereSeparator: \.isNewline).first.map(String.init)?.trimmed ?? ""
        guard !key.isEmpty else { throw .unreadable(name: "PROVIDER_API_KEY_FILE", path: path) }
        return key
    }

    /// An integer variable in `range`, `fallback` when unset or blank.
    package func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>)
        throws(VendorConfigurationError) -> Int
    {
        guard let text = value(name) else { return fallback }
        guard let parsed = Int(text), range.contains(parsed) else {
            throw .invalid(
                name: name, value: text, expected: "an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return parsed
    }

    /// A decimal variable in `range`, `fallback` when unset or blank.
    package func number(_ name: String, default fallback: Double, range: ClosedRange<Double>)
        throws(VendorConfigurationError) -> Double
    {
        guard let text = value(name) else { return fallback }
        guard let parsed = Double(text), parsed.isFinite, range.contains(parsed) else {
            throw .invalid(
                name: name, value: text, expected: "a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return parsed
    }

    /// The trimmed value of `name`, nil when unset or blank.
    package func value(_ name: String) -> String? {
        guard let text = environment[name]?.trimmed, !text.isEmpty else { return nil }
        return text
    }
}

extension String {
    /// Without leading and trailing whitespace.
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
