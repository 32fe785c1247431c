/// The JSON shapes of the Polygon endpoints this provider reads, as documented; unused fields are left out.
package enum PolygonWire {
    /// `GET /v2/aggs/grouped/locale/us/market/stocks/{date}`: the daily bars of every US stock of a date.
    package struct Grouped: Decodable, Sendable {
        /// `OK` (or `DELAYED` on plans with delayed data).
        package var status: String?
        /// How many bars `results` holds; 0 on a day without trading.
        package var resultsCount: Int?
        /// The bars; absent when there are none.
        package var results: [Bar]?
    }

    /// One bar of the grouped endpoint; Polygon's one-letter names.
    package struct Bar: Decodable, Sendable {
        /// The ticker.
        package var ticker: String
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
        /// Volume-weighted average price.
        package var vwap: Double?

        private enum CodingKeys: String, CodingKey {
            case ticker = "T"
            case open = "o"
            case high = "h"
            case low = "l"
            case close = "c"
            case volume = "v"
            case vwap = "vw"
        }
    }

    /// `GET /v3/reference/tickers/{ticker}`: reference data of one ticker.
    package struct DetailsResponse: Decodable, Sendable {
        /// The details; required.
        package var results: Details
    }

    /// The reference data the provider uses.
    package struct Details: Decodable, Sendable, Equatable {
        /// The ticker.
        package var ticker: String
        /// The company name.
        package var name: String?
        /// The asset type: `CS` common stock, `ETF`, `PFD`, `WARRANT`, `ADRC`, ...
        package var type: String?
        /// The primary listing's MIC (`XNAS`, `XNYS`).
        package var primaryExchange: String?
        /// The SIC industry description (Polygon has no sector field).
        package var sicDescription: String?
        /// Shares outstanding of this share class.
        package var shareClassSharesOutstanding: Double?
        /// Shares outstanding of the company, all classes converted to this one.
        package var weightedSharesOutstanding: Double?

        private enum CodingKeys: String, CodingKey {
            case ticker, name, type
            case primaryExchange = "primary_exchange"
            case sicDescription = "sic_description"
            case shareClassSharesOutstanding = "share_class_shares_outstanding"
            case weightedSharesOutstanding = "weighted_shares_outstanding"
        }
    }
}
