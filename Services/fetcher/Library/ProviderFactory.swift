import Contracts
import Foundation
import Logging
import Providers
import ServiceSupport

/// Builds a provider from its name and the environment.
package enum ProviderFactory {
    /// The names `make` knows.
    package static let known = ["sim", "csv", "fmp", "polygon"]

    /// Why a provider cannot be built.
    package struct UnknownProvider: Error, CustomStringConvertible {
        /// The name asked for.
        package var name: String
        /// One line.
        package var description: String {
            "unknown provider '\(name)' (known: \(ProviderFactory.known.joined(separator: ", ")))"
        }
    }

    /// `sim` (SIM_TICKERS, SIM_SEED), `csv` (CSV_PRICES_FILE, CSV_STOCKS_FILE), `fmp` (PROVIDER_* and FMP_TICKERS,
    /// FMP_TICKERS_FILE, FMP_WINDOW_DAYS) or `polygon` (PROVIDER_* and POLYGON_CANDIDATES, POLYGON_DETAILS_TTL).
    package static func make(_ name: String, environment: [String: String]) throws -> any PriceProvider {
        switch name {
        case "sim":
            return SimulatedProvider(market: try SimulatedMarket.fromEnvironment(environment))
        case "csv":
            guard let prices = environment["CSV_PRICES_FILE"], !prices.isEmpty else {
                throw ConfigurationError.invalid(
                    name: "CSV_PRICES_FILE", value: "", expected: "the path of a prices CSV")
            }
            let stocks = environment["CSV_STOCKS_FILE"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            return CSVProvider(data: try CSVPriceFile.load(prices: URL(fileURLWithPath: prices), stocks: stocks))
        case "fmp":
            let settings = VendorEnvironment(environment)
            let configuration = try settings.configuration(
                defaultBaseURL: FMPProvider.defaultBaseURL, authentication: .queryParameter(name: "apikey"))
            let logger = Logger(label: "fetcher")
            return FMPProvider(
                http: VendorHTTP(
                    vendor: "fmp", configuration: configuration, client: URLSessionHTTPClient(), logger: logger),
                tickers: try FMPUniverse.tickers(from: settings),
                windowDays: try settings.integer("FMP_WINDOW_DAYS", default: 365, range: 1...1825),
                logger: logger)
        case "polygon":
            let settings = VendorEnvironment(environment)
            let configuration = try settings.configuration(
                defaultBaseURL: PolygonProvider.defaultBaseURL, authentication: .bearer)
            let logger = Logger(label: "fetcher")
            let ttl = try settings.number("POLYGON_DETAILS_TTL", default: 86_400, range: 1...31_536_000)
            return PolygonProvider(
                http: VendorHTTP(
                    vendor: "polygon", configuration: configuration, client: URLSessionHTTPClient(), logger: logger),
                candidates: try settings.integer("POLYGON_CANDIDATES", default: 500, range: 1...20_000),
                detailsTTL: .milliseconds(Int64((ttl * 1000).rounded())),
                logger: logger)
        default:
            throw UnknownProvider(name: name)
        }
    }
}
