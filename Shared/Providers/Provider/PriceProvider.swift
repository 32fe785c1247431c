import TradingCalendar

/// A source of daily price batches: the simulated market, a CSV file, and later real vendors over HTTP.
package protocol PriceProvider: Sendable {
    /// The provider's name as configured and recorded with each batch (`sim`, `csv`, ...).
    var name: String { get }

    /// The data for `date`; nil when the provider has no data for that date (not a session, not in the file).
    func session(_ date: SessionDate) async throws -> ProviderSession?
}
