import Contracts
import Foundation
import Logging
import Providers
import TestSupport
import Testing

@Suite("Vendor providers built from the environment")
struct VendorProvidersTests {
    @Test("fmp from PROVIDER_* and FMP_TICKERS: base URL, key as the apikey parameter, the listed tickers only")
    func fmp() async throws {
        let server = try FMPProviderTests.fixtureServer()
        defer { server.stop() }
        let environment = [
            "PROVIDER_API_KEY": VendorTestKit.key, "PROVIDER_BASE_URL": server.baseURL.absoluteString + "/stable",
            "FMP_TICKERS": "msft",
        ]
        let provider = try #require(
            try VendorProviders.make(
                "fmp", settings: VendorSettings(environment: environment), logger: Logger(label: "test")))
        #expect(provider.name == "fmp")
        let session = try #require(try await provider.session(day("2024-03-05")))
        #expect(session.rows.map(\.ticker) == ["MSFT"] && session.rows[0].marketCap == 2_992_594_300_000)
        // Prices, market caps, splits, dividends and the profile.
        #expect(server.requests.count == 5)
        #expect(server.requests.allSatisfy { $0.query["apikey"] == VendorTestKit.key && $0.query["symbol"] == "MSFT" })
    }

    @Test("polygon from PROVIDER_* and POLYGON_CANDIDATES: the key as a bearer token, that many look-ups")
    func polygon() async throws {
        let script = PolygonProviderTests.script()
        let server = try StubHTTPServer(handler: script.reply)
        defer { server.stop() }
        let environment = [
            "PROVIDER_API_KEY": VendorTestKit.key, "PROVIDER_BASE_URL": server.baseURL.absoluteString,
            "POLYGON_CANDIDATES": "3",
        ]
        let provider = try #require(
            try VendorProviders.make(
                "polygon", settings: VendorSettings(environment: environment), logger: Logger(label: "test")))
        let session = try #require(try await provider.session(day("2024-03-05")))
        // The top three by dollar volume are NVDA, SPY (an ETF, left out) and AAPL.
        #expect(session.rows.map(\.ticker) == ["NVDA", "AAPL"])
        // The grouped day, its splits and its dividends, and three details.
        #expect(server.requests.count == 6)
        #expect(server.requests.allSatisfy { $0.headers["authorization"] == "Bearer \(VendorTestKit.key)" })
        #expect(server.requests.allSatisfy { $0.query["apiKey"] == nil && $0.query["apikey"] == nil })
    }

    @Test("other names are not vendors; a vendor without a key is a configuration error")
    func unknownAndMissingKey() throws {
        let keyless = try VendorSettings(environment: [:])
        #expect(try VendorProviders.make("sim", settings: keyless, logger: Logger(label: "test")) == nil)
        #expect(throws: VendorConfigurationError.self) {
            try VendorProviders.make("polygon", settings: keyless, logger: Logger(label: "test"))
        }
    }
}
