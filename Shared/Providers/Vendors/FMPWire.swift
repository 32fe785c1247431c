/// The JSON shapes of the Financial Modeling Prep "stable" endpoints this provider reads, as documented; fields the
/// provider does not use are left out, optional ones are optional.
package enum FMPWire {
    /// One element of `historical-price-eod/full`: a daily bar.
    package struct PriceBar: Decodable, Sendable {
        /// The trading date, `YYYY-MM-DD`.
        package var date: String
        /// Open price.
        package var open: Double?
        /// High price.
        package var high: Double?
        /// Low price.
        package var low: Double?
        /// Close price; required.
        package var close: Double
        /// Shares traded.
        package var volume: Double?
    }

    /// One element of `historical-market-capitalization`.
    package struct MarketCap: Decodable, Sendable {
        /// The date, `YYYY-MM-DD`.
        package var date: String
        /// The market capitalisation in dollars; required.
        package var marketCap: Double
    }

    /// One element of `profile`.
    package struct Profile: Decodable, Sendable {
        /// The ticker.
        package var symbol: String
        /// The company name.
        package var companyName: String?
        /// The sector.
        package var sector: String?
        /// The listing exchange's short name (`NASDAQ`, `NYSE`).
        package var exchange: String?
    }

    /// The object FMP answers instead of data when it refuses a request.
    package struct ErrorMessage: Decodable, Sendable {
        /// FMP's explanation.
        package var message: String

        private enum CodingKeys: String, CodingKey {
            case message = "Error Message"
        }
    }
}
