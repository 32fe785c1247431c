import Contracts
import Foundation
import Logging
import Providers
import ServiceSupport

/// Builds a provider from its name and the environment.
package enum ProviderFactory {
    /// The names `make` knows.
    package static let known = ["sim", "csv"] + VendorProviders.names

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
        default:
            // The HTTP vendors log under the fetcher's label: they run inside it.
            if let vendor = try VendorProviders.make(name, environment: environment, logger: Logger(label: "fetcher")) {
                return vendor
            }
            throw UnknownProvider(name: name)
        }
    }
}
