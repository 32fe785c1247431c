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

    /// `GET /v3/reference/splits`: one page of stock splits.
    package struct SplitsPage: Decodable, Sendable {
        /// The splits of this page; absent when there are none.
        package var results: [Split]?
        /// The URL of the next page (the filters are in its cursor); absent on the last page.
        package var nextURL: String?

        private enum CodingKeys: String, CodingKey {
            case results
            case nextURL = "next_url"
        }
    }

    /// One split.
    package struct Split: Decodable, Sendable {
        /// The ticker.
        package var ticker: String
        /// The date the split takes effect (its ex-date), `YYYY-MM-DD`.
        package var executionDate: String
        /// Shares before; required.
        package var splitFrom: Double
        /// Shares after; required (a 2-for-1 split is 1 -> 2, a 1-for-10 reverse split 10 -> 1).
        package var splitTo: Double

        private enum CodingKeys: String, CodingKey {
            case ticker
            case executionDate = "execution_date"
            case splitFrom = "split_from"
            case splitTo = "split_to"
        }
    }

    /// `GET /v3/reference/dividends`: one page of cash dividends.
    package struct DividendsPage: Decodable, Sendable {
        /// The dividends of this page; absent when there are none.
        package var results: [Dividend]?
        /// The URL of the next page (the filters are in its cursor); absent on the last page.
        package var nextURL: String?

        private enum CodingKeys: String, CodingKey {
            case results
            case nextURL = "next_url"
        }
    }

    /// One cash dividend.
    package struct Dividend: Decodable, Sendable {
        /// The ticker.
        package var ticker: String
        /// The ex-dividend date, `YYYY-MM-DD`.
        package var exDividendDate: String
        /// The amount per share; required.
        package var cashAmount: Double
        /// `CD` regular, `SC` special, `LT` / `ST` long- / short-term capital gain distribution; required.
        package var dividendType: String
        /// The currency of `cashAmount` (`USD`).
        package var currency: String?
        /// Payments a year (0 one-time, 1, 2, 4, 12).
        package var frequency: Int?

        private enum CodingKeys: String, CodingKey {
            case ticker, currency, frequency
            case exDividendDate = "ex_dividend_date"
            case cashAmount = "cash_amount"
            case dividendType = "dividend_type"
        }
    }
}
