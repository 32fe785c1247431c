import Foundation
import Providers
import Resilience
import Testing

@Suite("Vendor settings from the environment")
struct VendorSettingsTests {
    static func temporaryFile(_ contents: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vendor-\(UUID().uuidString)")
        try contents.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("defaults: the vendor's base URL, 5 requests/s with a burst of 10, 30 s timeout, the built-in universe")
    func defaults() throws {
        let settings = try VendorSettings(environment: ["PROVIDER_API_KEY": " k1 "])
        let configuration = try settings.configuration(
            defaultBaseURL: FMPProvider.defaultBaseURL, authentication: .queryParameter(name: "apikey"))
        #expect(configuration.apiKey == "k1")
        #expect(configuration.baseURL.absoluteString == "https://financialmodelingprep.com/stable")
        #expect(configuration.rateLimit == TokenBucket.Limits(capacity: 10, refillPerSecond: 5))
        #expect(configuration.timeout == .seconds(30))
        #expect(configuration.breaker.waitDurationInOpenState == .seconds(30))
        #expect(configuration.concurrency == 4)
        #expect(settings.fmpTickers == FMPUniverse.defaultTickers && settings.fmpWindowDays == 365)
        #expect(settings.polygonCandidates == 500 && settings.polygonDetailsTTL == .seconds(86_400))
    }

    @Test("every PROVIDER_, FMP_ and POLYGON_ variable is read")
    func overrides() throws {
        let environment = [
            "PROVIDER_API_KEY": "k", "PROVIDER_BASE_URL": "http://127.0.0.1:9999/v", "PROVIDER_RATE_LIMIT": "0.5",
            "PROVIDER_RATE_BURST": "3", "PROVIDER_TIMEOUT": "2.5", "PROVIDER_BREAKER_OPEN_SECONDS": "90",
            "PROVIDER_CONCURRENCY": "8", "FMP_TICKERS": "aapl", "FMP_WINDOW_DAYS": "30", "POLYGON_CANDIDATES": "7",
            "POLYGON_DETAILS_TTL": "60",
        ]
        let settings = try VendorSettings(environment: environment)
        let configuration = try settings.configuration(
            defaultBaseURL: PolygonProvider.defaultBaseURL, authentication: .bearer)
        #expect(configuration.baseURL.absoluteString == "http://127.0.0.1:9999/v")
        #expect(configuration.rateLimit == TokenBucket.Limits(capacity: 3, refillPerSecond: 0.5))
        #expect(configuration.timeout == .milliseconds(2500))
        #expect(configuration.breaker.waitDurationInOpenState == .seconds(90))
        #expect(configuration.concurrency == 8)
        #expect(settings.fmpTickers == ["AAPL"] && settings.fmpWindowDays == 30)
        #expect(settings.polygonCandidates == 7 && settings.polygonDetailsTTL == .seconds(60))
    }

    @Test("PROVIDER_MAX_ATTEMPTS is retired: setting it is an error naming it and saying why")
    func maxAttemptsRetired() throws {
        let error = #expect(throws: VendorConfigurationError.self) {
            try VendorSettings(environment: ["PROVIDER_API_KEY": "k", "PROVIDER_MAX_ATTEMPTS": "4"])
        }
        guard case .retired(let name, _)? = error else {
            Issue.record("expected a retired variable, got \(String(describing: error))")
            return
        }
        #expect(name == "PROVIDER_MAX_ATTEMPTS")
        let message = error.map { "\($0)" } ?? ""
        #expect(message.contains("PROVIDER_MAX_ATTEMPTS") && message.contains("redelivery"))
        // Blank counts as unset, as for every other variable.
        #expect(throws: Never.self) { try VendorSettings(environment: ["PROVIDER_MAX_ATTEMPTS": " "]) }
    }

    @Test("the key comes from PROVIDER_API_KEY_FILE's first line when PROVIDER_API_KEY is unset")
    func keyFile() throws {
        let path = try Self.temporaryFile("  secret-from-file \nsecond line\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try VendorSettings(environment: ["PROVIDER_API_KEY_FILE": path]).apiKey == "secret-from-file")
        #expect(
            try VendorSettings(environment: ["PROVIDER_API_KEY": "direct", "PROVIDER_API_KEY_FILE": path]).apiKey
                == "direct")
    }

    @Test("no key is an error only when a vendor is configured; bad values are errors when the settings are read")
    func errors() throws {
        let keyless = try VendorSettings(environment: [:])
        #expect(keyless.apiKey == nil)
        #expect(
            throws: VendorConfigurationError.missing(
                name: "PROVIDER_API_KEY", expected: "the vendor's API key (or PROVIDER_API_KEY_FILE)")
        ) {
            try keyless.configuration(defaultBaseURL: PolygonProvider.defaultBaseURL, authentication: .bearer)
        }
        #expect(throws: VendorConfigurationError.unreadable(name: "PROVIDER_API_KEY_FILE", path: "/nonexistent/key")) {
            try VendorSettings(environment: ["PROVIDER_API_KEY_FILE": "/nonexistent/key"])
        }
        #expect(
            throws: VendorConfigurationError.invalid(
                name: "PROVIDER_BASE_URL", value: "ftp://vendor", expected: "an http(s) URL")
        ) {
            try VendorSettings(environment: ["PROVIDER_BASE_URL": "ftp://vendor"])
        }
        for (name, value) in [
            ("PROVIDER_RATE_LIMIT", "fast"), ("PROVIDER_TIMEOUT", "0"), ("PROVIDER_CONCURRENCY", "0"),
            ("FMP_WINDOW_DAYS", "x"), ("POLYGON_CANDIDATES", "-1"), ("FMP_TICKERS", "AAPL, MS$FT"),
        ] {
            let error = #expect(throws: VendorConfigurationError.self) {
                try VendorSettings(environment: [name: value])
            }
            #expect(error.map { "\($0)" }?.contains(name) == true, "\(name)=\(value)")
        }
    }

    @Test("the FMP universe: FMP_TICKERS, FMP_TICKERS_FILE with comments, or the built-in list")
    func universe() throws {
        #expect(
            try VendorSettings(environment: ["FMP_TICKERS": "aapl, msft MSFT brk-b"]).fmpTickers
                == ["AAPL", "MSFT", "BRK-B"])
        let path = try Self.temporaryFile("# large caps\nAAPL\nNVDA  # chips\n\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try VendorSettings(environment: ["FMP_TICKERS_FILE": path]).fmpTickers == ["AAPL", "NVDA"])
        #expect(throws: VendorConfigurationError.unreadable(name: "FMP_TICKERS_FILE", path: "/nonexistent/tickers")) {
            try VendorSettings(environment: ["FMP_TICKERS_FILE": "/nonexistent/tickers"])
        }
        let builtIn = try VendorSettings(environment: [:]).fmpTickers
        #expect(builtIn.count >= 300 && Set(builtIn).count == builtIn.count)
    }
}
