import Foundation
import Logging

/// Builds the HTTP vendors' providers from the environment, so the fetcher's factory and the tests share one wiring.
package enum VendorProviders {
    /// The vendor names.
    package static let names = ["fmp", "polygon"]

    /// The provider `name` configured by `PROVIDER_*` and its own variables (`FMP_TICKERS`, `FMP_TICKERS_FILE`,
    /// `FMP_WINDOW_DAYS`; `POLYGON_CANDIDATES`, `POLYGON_DETAILS_TTL`); nil when `name` is not a vendor.
    ///
    /// - Throws: `VendorConfigurationError` for a missing key or a variable that does not parse.
    package static func make(
        _ name: String, environment: [String: String], client: any HTTPClient = URLSessionHTTPClient(),
        logger: Logger
    ) throws(VendorConfigurationError) -> (any PriceProvider)? {
        let settings = VendorEnvironment(environment)
        switch name {
        case "fmp":
            let configuration = try settings.configuration(
                defaultBaseURL: FMPProvider.defaultBaseURL, authentication: .queryParameter(name: "apikey"))
            return FMPProvider(
                http: VendorHTTP(vendor: name, configuration: configuration, client: client, logger: logger),
                tickers: try FMPUniverse.tickers(from: settings),
                windowDays: try settings.integer("FMP_WINDOW_DAYS", default: 365, range: 1...1825),
                logger: logger)
        case "polygon":
            let configuration = try settings.configuration(
                defaultBaseURL: PolygonProvider.defaultBaseURL, authentication: .bearer)
            let ttl = try settings.number("POLYGON_DETAILS_TTL", default: 86_400, range: 1...31_536_000)
            return PolygonProvider(
                http: VendorHTTP(vendor: name, configuration: configuration, client: client, logger: logger),
                candidates: try settings.integer("POLYGON_CANDIDATES", default: 500, range: 1...20_000),
                detailsTTL: .milliseconds(Int64((ttl * 1000).rounded())),
                logger: logger)
        default:
            return nil
        }
    }
}
