import Foundation
import Resilience

/// The vendor settings of a process, read once from the environment: the one place `PROVIDER_*`, `FMP_*` and
/// `POLYGON_*` are read.
///
/// `PROVIDER_API_KEY` (or `PROVIDER_API_KEY_FILE`), `PROVIDER_BASE_URL`, `PROVIDER_RATE_LIMIT` (requests per
/// second), `PROVIDER_RATE_BURST`, `PROVIDER_TIMEOUT` (seconds), `PROVIDER_BREAKER_OPEN_SECONDS`,
/// `PROVIDER_CONCURRENCY`; `FMP_TICKERS`, `FMP_TICKERS_FILE`, `FMP_WINDOW_DAYS`; `POLYGON_CANDIDATES`,
/// `POLYGON_DETAILS_TTL`. Every variable that is set but does not parse is an error when the settings are read (at
/// start-up), whichever provider is in use; only a missing key waits until a vendor is built, since `sim` and `csv`
/// need none.
package struct VendorSettings: Sendable, Equatable {
    /// Variables that are no longer read, with why: setting one is an error, so a deployment does not believe it
    /// still has an effect.
    package static let retired = [
        "PROVIDER_MAX_ATTEMPTS":
            "a vendor call makes one HTTP attempt; retries are the pipeline's redelivery of the request "
            + "(JetStream maxDeliver, a nak with a delay), so unset it"
    ]

    /// The key, nil when neither variable is set.
    package var apiKey: String?
    /// `PROVIDER_BASE_URL`, nil for each vendor's documented root.
    package var baseURL: URL?
    /// Sustained requests per second and burst.
    package var rateLimit: TokenBucket.Limits
    /// The time one request may take.
    package var timeout: Duration
    /// How long the breaker stays open after an outage.
    package var breakerOpen: Duration
    /// Requests in flight at once while fetching a session.
    package var concurrency: Int
    /// `fmp`'s candidate tickers.
    package var fmpTickers: [String]
    /// `fmp`'s calendar days per fetched block.
    package var fmpWindowDays: Int
    /// `polygon`'s tickers per day that get reference data.
    package var polygonCandidates: Int
    /// How long `polygon` reuses a ticker's reference data.
    package var polygonDetailsTTL: Duration

    /// Reads the settings from `environment`.
    ///
    /// - Throws: `VendorConfigurationError` naming the first variable that does not parse, an unreadable key or
    ///   tickers file, or a retired variable that is set.
    package init(environment: [String: String]) throws(VendorConfigurationError) {
        let reader = Reader(environment: environment)
        for name in Self.retired.keys.sorted() where reader.value(name) != nil {
            throw .retired(name: name, reason: Self.retired[name] ?? "")
        }
        apiKey = try reader.apiKey()
        if let base = reader.value("PROVIDER_BASE_URL") {
            guard let url = URL(string: base), let scheme = url.scheme?.lowercased(),
                scheme == "http" || scheme == "https", url.host != nil
            else {
                throw .invalid(name: "PROVIDER_BASE_URL", value: base, expected: "an http(s) URL")
            }
            baseURL = url
        }
        let rate = try reader.number("PROVIDER_RATE_LIMIT", default: 5, range: 0.001...10_000)
        let burst = try reader.number("PROVIDER_RATE_BURST", default: max(1, rate * 2).rounded(.up), range: 1...100_000)
        rateLimit = TokenBucket.Limits(capacity: burst, refillPerSecond: rate)
        timeout = Self.duration(seconds: try reader.number("PROVIDER_TIMEOUT", default: 30, range: 0.001...3600))
        breakerOpen = Self.duration(
            seconds: try reader.number("PROVIDER_BREAKER_OPEN_SECONDS", default: 30, range: 0...86_400))
        concurrency = try reader.integer("PROVIDER_CONCURRENCY", default: 4, range: 1...64)
        fmpTickers = try FMPUniverse.tickers(list: reader.value("FMP_TICKERS"), file: reader.value("FMP_TICKERS_FILE"))
        fmpWindowDays = try reader.integer("FMP_WINDOW_DAYS", default: 365, range: 1...1825)
        polygonCandidates = try reader.integer("POLYGON_CANDIDATES", default: 500, range: 1...20_000)
        polygonDetailsTTL = Self.duration(
            seconds: try reader.number("POLYGON_DETAILS_TTL", default: 86_400, range: 1...31_536_000))
    }

    /// The configuration of a vendor whose documented root is `defaultBaseURL`.
    ///
    /// - Throws: `VendorConfigurationError.missing` when no key is set.
    package func configuration(
        defaultBaseURL: String, authentication: VendorConfiguration.Authentication
    ) throws(VendorConfigurationError) -> VendorConfiguration {
        guard let apiKey else {
            throw .missing(name: "PROVIDER_API_KEY", expected: "the vendor's API key (or PROVIDER_API_KEY_FILE)")
        }
        guard let base = baseURL ?? URL(string: defaultBaseURL) else {
            throw .invalid(name: "PROVIDER_BASE_URL", value: defaultBaseURL, expected: "an http(s) URL")
        }
        var configuration = VendorConfiguration(
            apiKey: apiKey, baseURL: base, authentication: authentication, rateLimit: rateLimit, timeout: timeout,
            concurrency: concurrency)
        configuration.breaker.waitDurationInOpenState = breakerOpen
        return configuration
    }

    private static func duration(seconds: Double) -> Duration {
        .milliseconds(Int64((seconds * 1000).rounded()))
    }
}

/// The parsing of ``VendorSettings``: trimmed values, numbers in a range.
private struct Reader {
    let environment: [String: String]

    /// `PROVIDER_API_KEY`, else the first line of the file `PROVIDER_API_KEY_FILE`, else nil.
    func apiKey() throws(VendorConfigurationError) -> String? {
        if let key = value("PROVIDER_API_KEY") { return key }
        guard let path = value("PROVIDER_API_KEY_FILE") else { return nil }
        guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw .unreadable(name: "PROVIDER_API_KEY_FILE", path: path)
        }
        let key = contents.split(whereSeparator: \.isNewline).first.map(String.init)?.trimmed ?? ""
        guard !key.isEmpty else { throw .unreadable(name: "PROVIDER_API_KEY_FILE", path: path) }
        return key
    }

    /// An integer variable in `range`, `fallback` when unset or blank.
    func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws(VendorConfigurationError)
        -> Int
    {
        guard let text = value(name) else { return fallback }
        guard let parsed = Int(text), range.contains(parsed) else {
            throw .invalid(
                name: name, value: text, expected: "an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return parsed
    }

    /// A decimal variable in `range`, `fallback` when unset or blank.
    func number(_ name: String, default fallback: Double, range: ClosedRange<Double>)
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
    func value(_ name: String) -> String? {
        guard let text = environment[name]?.trimmed, !text.isEmpty else { return nil }
        return text
    }
}

extension String {
    /// Without leading and trailing whitespace.
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
