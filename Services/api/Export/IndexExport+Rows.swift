import TradingCalendar

// The row types of an export, one per table.
extension IndexExport {
    /// An index level and its returns on one session.
    package struct PerformanceRow: Sendable, Equatable {
        /// The session.
        package var date: SessionDate
        /// The index level.
        package var level: Double
        /// The return from the previous session, as a fraction.
        package var dailyReturn: Double
        /// The return since the first session of the range, as a fraction.
        package var cumulativeReturn: Double

        /// A performance row.
        package init(date: SessionDate, level: Double, dailyReturn: Double, cumulativeReturn: Double) {
            self.date = date
            self.level = level
            self.dailyReturn = dailyReturn
            self.cumulativeReturn = cumulativeReturn
        }
    }

    /// One constituent of the index on one session.
    package struct CompositionRow: Sendable, Equatable {
        /// The session.
        package var date: SessionDate
        /// 1-based rank by market cap.
        package var rank: Int
        /// The ticker.
        package var ticker: String
        /// Company name, where known.
        package var name: String?
        /// Sector, where known.
        package var sector: String?
        /// Weight in the index, as a fraction.
        package var weight: Double
        /// Market capitalization at the close.
        package var marketCap: Double
        /// Close price.
        package var close: Double

        /// A composition row.
        package init(
            date: SessionDate, rank: Int, ticker: String, name: String?, sector: String?, weight: Double,
            marketCap: Double, close: Double
        ) {
            self.date = date
            self.rank = rank
            self.ticker = ticker
            self.name = name
            self.sector = sector
            self.weight = weight
            self.marketCap = marketCap
            self.close = close
        }
    }

    /// Whether a ticker entered or left the index.
    package enum ChangeKind: String, Sendable, Equatable {
        /// It entered.
        case added
        /// It left.
        case removed
    }

    /// A ticker entering or leaving the index at a session.
    package struct ChangeRow: Sendable, Equatable {
        /// The session of the change.
        package var date: SessionDate
        /// Added or removed.
        package var change: ChangeKind
        /// The ticker.
        package var ticker: String
        /// Its rank at the session, where it had a valid row.
        package var rank: Int?
        /// Its market cap at the session, where it had a valid row.
        package var marketCap: Double?

        /// A change row.
        package init(date: SessionDate, change: ChangeKind, ticker: String, rank: Int?, marketCap: Double?) {
            self.date = date
            self.change = change
            self.ticker = ticker
            self.rank = rank
            self.marketCap = marketCap
        }
    }

    /// A summary value, typed so that spreadsheets get numbers and dates rather than text.
    package enum SummaryValue: Sendable, Equatable {
        /// A fraction, level or other real number.
        case number(Double)
        /// A count.
        case integer(Int)
        /// A session.
        case date(SessionDate)
        /// Text, e.g. the index name.
        case text(String)
        /// Not defined for this range (e.g. volatility of one session).
        case none
    }

    /// One summary statistic.
    package struct SummaryEntry: Sendable, Equatable {
        /// Its name, e.g. `total_return`.
        package var key: String
        /// Its value.
        package var value: SummaryValue

        /// A summary entry.
        package init(key: String, value: SummaryValue) {
            self.key = key
            self.value = value
        }
    }
}
