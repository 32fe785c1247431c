import Foundation
import Logging

/// Builds the HTTP vendors' providers from ``VendorSettings``, so the fetcher's factory and the tests share one wiring.
package enum VendorProviders {
    /// The vendor names.
    package static let names = ["fmp", "polygon"]

    /// The provider `name` configured by `settings`, sending through `transport`; nil when `name` is not a vendor.
    ///
    /// - Throws: `VendorConfigurationError.missing` when no key is set.
    package static func make(
        _ name: String, settings: VendorSettings, transport: any VendorTransport = URLSessionVendorTransport(),
        logger: Logger
    ) throws(VendorConfigurationError) -> (any PriceProvider)? {
        switch name {
        case "fmp":
            let configuration = try settings.configuration(
                defaultBaseURL: FMPProvider.defaultBaseURL, authentication: .queryParameter(name: "apikey"))
            return FMPProvider(
                http: VendorHTTP(vendor: name, configuration: configuration, transport: transport, logger: logger),
                tickers: settings.fmpTickers, windowDays: settings.fmpWindowDays, logger: logger)
        case "polygon":
            let configuration = try settings.configuration(
                defaultBaseURL: PolygonProvider.defaultBaseURL, authentication: .bearer)
            return PolygonProvider(
                http: VendorHTTP(vendor: name, configuration: configuration, transport: transport, logger: logger),
                candidates: settings.polygonCandidates, detailsTTL: settings.polygonDetailsTTL, logger: logger)
        default:
            return nil
        }
    }
}
