import Contracts
import TradingCalendar

/// One session's data from a provider: its rows in the provider's order and the metadata of its stocks.
package struct ProviderSession: Sendable, Equatable {
    /// The session date.
    package var date: SessionDate
    /// The rows, in the provider's order (the validator's duplicate rule depends on it).
    package var rows: [PriceRow]
    /// Metadata of the stocks in the rows, where the provider has it.
    package var stocks: [StockInfo]
    /// The corporate actions dated this session, in the provider's order.
    package var actions: [CorporateAction]

    /// A session's data.
    package init(date: SessionDate, rows: [PriceRow], stocks: [StockInfo], actions: [CorporateAction] = []) {
        self.date = date
        self.rows = rows
        self.stocks = stocks
        self.actions = actions
    }
}
