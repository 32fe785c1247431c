/// The JSON shapes of the Financial Modeling Prep "stable" endpoints this provider reads, as documented; fields the
/// provider does not use are left out, optional ones are optional.
package enum FMPWire {
    /// One element of `historical-price-eod/non-split-adjusted`: a daily bar as traded that day.
    ///
    /// FMP names the fields `adjOpen` ... `adjClose` although this endpoint's prices are the ones *not* adjusted for
    /// later splits (its "adj" marks the variant of the chart, not an adjustment); `historical-price-eod/full` is the
    /// split-adjusted series and is not read.
    package struct PriceBar: Decodable, Sendable {
        /// The trading date, `YYYY-MM-DD`.
        package var date: String
        /// Open price as traded.
        package var open: Double?
        /// High price as traded.
        package var high: Double?
        /// Low price as traded.
        package var low: Double?
        /// Close price as traded; required.
        package var close: Double
        /// Shares traded.
        package var volume: Double?

        private enum CodingKeys: String, CodingKey {
            case date, volume
            case open = "adjOpen"
            case high = "adjHigh"
            case low = "adjLow"
            case close = "adjClose"
        }
    }

    /// One element of `historical-market-capitalization`.
    package struct MarketCap: Decodable, Sendable {
        /// The date, `YYYY-MM-DD`.
        package var date: String
        /// The market capitalisation in dollars; required.
        package var marketCap: Double
    }

    /// One element of `splits` (FMP's stock split details of one symbol).
    package struct Split: Decodable, Sendable {
        /// The ex-date of the split, `YYYY-MM-DD`.
        package var date: String
        /// New shares; required.
        package var numerator: Double
        /// Old shares (a 4-for-1 split is 4 / 1, a 1-for-10 reverse split 1 / 10); required.
        package var denominator: Double
    }

    /// One element of `dividends` (FMP's dividends of one symbol).
    package struct Dividend: Decodable, Sendable {
        /// The ex-dividend date, `YYYY-MM-DD`.
        package var date: String
        /// The amount per share as declared, on the basis of `date`; required.
        package var dividend: Double
        /// The amount adjusted for later splits: not used, as the methodology adjusts for splits itself.
        package var adjDividend: Double?
        /// The record date.
        package var recordDate: String?
        /// The payment date.
        package var paymentDate: String?
        /// The declaration date.
        package var declarationDate: String?
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
