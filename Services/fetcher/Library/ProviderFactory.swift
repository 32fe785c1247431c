import Contracts
import Foundation
import Providers
import ServiceSupport

/// Builds a provider from its name and the environment.
package enum ProviderFactory {
    /// Why a provider cannot be built.
    package struct UnknownProvider: Error, CustomStringConvertible {
        /// The name asked for.
        package var name: String
        /// One line.
        package var description: String { "unknown provider '\(name)' (known: sim, csv)" }
    }

    /// `sim` (SIM_TICKERS, SIM_SEED) or `csv` (CSV_PRICES_FILE, CSV_STOCKS_FILE).
    package static func make(_ name: String, environment: [String: String]) throws -> any PriceProvider {
        switch name {
        case "sim":
            return SimulatedProvider(market: try SimulatedMarket.fromEnvironment(environment))
        case "csv":
            guard let prices = environment["CSV_PRICES_FILE"], !prices.isEmpty else {
                throw ConfigurationError.invalid(name: "CSV_PRICES_FILE", value: "", expected: "the path of a prices CSV")
            }
            let stocks = environment["CSV_STOCKS_FILE"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            return CSVProvider(data: try CSVPriceFile.load(prices: URL(fileURLWithPath: prices), stocks: stocks))
        default:
            throw UnknownProvider(name: name)
        }
    }
}
