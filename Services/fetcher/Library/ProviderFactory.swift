import Contracts
import Foundation
import Logging
import Providers
import ServiceSupport

/// Builds providers by name from the settings read once at start-up: the fetcher's configured provider and the ones
/// a replay request names.
package struct ProviderFactory: Sendable {
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

    /// The vendors' settings, read and checked when the factory is made.
    package let vendors: VendorSettings
    private let environment: [String: String]
    private let transport: any VendorTransport
    private let logger: Logger

    /// A factory over `environment`; the vendors send through `transport` and log with `logger` (the fetcher's
    /// label by default: they run inside it).
    ///
    /// - Throws: `VendorConfigurationError` for a vendor variable that does not parse or is retired, whichever
    ///   provider is in use: a bad setting is found at start-up, not on the first replay that needs it.
    package init(
        environment: [String: String], transport: any VendorTransport = URLSessionVendorTransport(),
        logger: Logger = Logger(label: "fetcher")
    ) throws {
        vendors = try VendorSettings(environment: environment)
        self.environment = environment
        self.transport = transport
        self.logger = logger
    }

    /// `sim` (SIM_TICKERS, SIM_SEED), `csv` (CSV_PRICES_FILE, CSV_STOCKS_FILE, CSV_ACTIONS_FILE), `fmp` or `polygon`
    /// (``VendorSettings``).
    package func make(_ name: String) throws -> any PriceProvider {
        switch name {
        case "sim":
            return SimulatedProvider(market: try SimulatedMarket.fromEnvironment(environment))
        case "csv":
            guard let prices = environment["CSV_PRICES_FILE"], !prices.isEmpty else {
                throw ConfigurationError.invalid(
                    name: "CSV_PRICES_FILE", value: "", expected: "the path of a prices CSV")
            }
            let stocks = environment["CSV_STOCKS_FILE"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            let actions = environment["CSV_ACTIONS_FILE"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            return CSVProvider(
                data: try CSVPriceFile.load(prices: URL(fileURLWithPath: prices), stocks: stocks, actions: actions))
        default:
            if let vendor = try VendorProviders.make(name, settings: vendors, transport: transport, logger: logger) {
                return vendor
            }
            throw UnknownProvider(name: name)
        }
    }
}
