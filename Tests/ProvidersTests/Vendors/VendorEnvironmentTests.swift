import Foundation
import Providers
import Resilience
import Testing

@Suite("Vendor configuration from the environment")
struct VendorEnvironmentTests {
    static func temporaryFile(_ contents: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vendor-\(UUID().uuidString)")
        try contents.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("defaults: the vendor's base URL, 5 requests/s with a burst of 10, 30 s timeout, 4 attempts")
    func defaults() throws {
        let configuration = try VendorEnvironment(["PROVIDER_API_KEY": " k1 "]).configuration(
            defaultBaseURL: FMPProvider.defaultBaseURL, authentication: .queryParameter(name: "apikey"))
        #expect(configuration.apiKey == "k1")
        #expect(configuration.baseURL.absoluteString == "https://financialmodelingprep.com/stable")
        #expect(configuration.rateLimit == TokenBucket.Limits(capacity: 10, refillPerSecond: 5))
        #expect(configuration.timeout == .seconds(30))
        #expect(configuration.retry.maxAttempts == 4)
        #expect(configuration.breaker.waitDurationInOpenState == .seconds(30))
        #expect(configuration.concurrency == 4)
    }

    @Test("every PROVIDER_ variable is read")
    func overrides() throws {
        let environment = [
            "PROVIDER_API_KEY": "k", "PROVIDER_BASE_URL": "http://127.0.0.1:9999/v", "PROVIDER_RATE_LIMIT": "0.5",
            "PROVIDER_RATE_BURST": "3", "PROVIDER_TIMEOUT": "2.5", "PROVIDER_MAX_ATTEMPTS": "6",
            "PROVIDER_BREAKER_OPEN_SECONDS": "90", "PROVIDER_CONCURRENCY": "8",
        ]
        let configuration = try VendorEnvironment(environment).configuration(
            defaultBaseURL: PolygonProvider.defaultBaseURL, authentication: .bearer)
        #expect(configuration.baseURL.absoluteString == "http://127.0.0.1:9999/v")
        #expect(configuration.rateLimit == TokenBucket.Limits(capacity: 3, refillPerSecond: 0.5))
        #expect(configuration.timeout == .milliseconds(2500))
        #expect(configuration.retry.maxAttempts == 6)
        #expect(configuration.breaker.waitDurationInOpenState == .seconds(90))
        #expect(configuration.concurrency == 8)
    }

    @Test("the key comes from PROVIDER_API_KEY_FILE's first line when PROVIDER_API_KEY is unset")
    func keyFile() throws {
        let path = try Self.temporaryFile("  secret-from-file \nsecond line\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try VendorEnvironment(["PROVIDER_API_KEY_FILE": path]).apiKey() == "secret-from-file")
        #expect(
            try VendorEnvironment(["PROVIDER_API_KEY": "direct", "PROVIDER_API_KEY_FILE": path]).apiKey() == "direct")
    }

    @Test("no key, an unreadable key file, a bad URL or a bad number are errors naming the variable")
    func errors() {
        #expect(
            throws: VendorConfigurationError.missing(
                name: "PROVIDER_API_KEY", expected: "the vendor's API key (or PROVIDER_API_KEY_FILE)")
        ) {
            try VendorEnvironment([:]).apiKey()
        }
        #expect(throws: VendorConfigurationError.unreadable(name: "PROVIDER_API_KEY_FILE", path: "/nonexistent/key")) {
            try VendorEnvironment(["PROVIDER_API_KEY_FILE": "/nonexistent/key"]).apiKey()
        }
        #expect(
            throws: VendorConfigurationError.invalid(
                name: "PROVIDER_BASE_URL", value: "ftp://vendor", expected: "an http(s) URL")
        ) {
            try VendorEnvironment(["PROVIDER_API_KEY": "k", "PROVIDER_BASE_URL": "ftp://vendor"])
                .configuration(defaultBaseURL: PolygonProvider.defaultBaseURL, authentication: .bearer)
        }
        #expect(throws: VendorConfigurationError.self) {
            try VendorEnvironment(["PROVIDER_API_KEY": "k", "PROVIDER_RATE_LIMIT": "fast"])
                .configuration(defaultBaseURL: PolygonProvider.defaultBaseURL, authentication: .bearer)
        }
        #expect(throws: VendorConfigurationError.self) {
            try VendorEnvironment(["PROVIDER_API_KEY": "k", "PROVIDER_MAX_ATTEMPTS": "0"])
                .configuration(defaultBaseURL: PolygonProvider.defaultBaseURL, authentication: .bearer)
        }
    }

    @Test("the FMP universe: FMP_TICKERS, FMP_TICKERS_FILE with comments, or the built-in list")
    func universe() throws {
        #expect(
            try FMPUniverse.tickers(from: VendorEnvironment(["FMP_TICKERS": "aapl, msft MSFT brk-b"]))
                == ["AAPL", "MSFT", "BRK-B"])
        let path = try Self.temporaryFile("# large caps\nAAPL\nNVDA  # chips\n\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try FMPUniverse.tickers(from: VendorEnvironment(["FMP_TICKERS_FILE": path])) == ["AAPL", "NVDA"])
        #expect(throws: VendorConfigurationError.self) {
            try FMPUniverse.tickers(from: VendorEnvironment(["FMP_TICKERS": "AAPL, MS$FT"]))
        }
        let builtIn = try FMPUniverse.tickers(from: VendorEnvironment([:]))
        #expect(builtIn.count >= 300 && Set(builtIn).count == builtIn.count)
    }
}
