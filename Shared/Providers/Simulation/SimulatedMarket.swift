import Contracts
import TradingCalendar

/// A deterministic simulated US stock market over the NYSE sessions of 2000-2030, the default data provider.
///
/// The same seed gives bit-identical data on a given platform; any session can be generated on its own
/// (`session(on:)`, `rows(on:)`) at the cost of about one year of hashes per stock, and ranges are generated
/// day by day (`sessions(from:to:)`), carrying state forward, at several million rows a second. See
/// `SimUniverse+Path.swift` for how the two agree bit for bit.
///
/// What it models: listings and delistings (about 3 % of the listed stocks a year each way), log-normal market
/// caps spread like the real US market, daily returns from a market factor with yearly volatility regimes and
/// jumps, 11 sector factors and idiosyncratic shocks with rare jumps, quarterly buybacks and issuance, and corporate
/// actions with as-traded prices: forward splits when the price has grown high, rare reverse splits of penny
/// stocks, quarterly dividends of a fixed 40 % of the stocks and rare special dividends (see
/// `SimUniverse+Actions.swift`); each action is in the session of its ex-date. What it breaks on purpose: ~0.2 %
/// of rows missing, ~0.05 % bad ticks (close zero, negative or NaN, market cap missing, high below low, open
/// outside the range, negative volume, a duplicate row), and ~1 % of rows giving shares outstanding instead of a
/// market cap.
package struct SimulatedMarket: Sendable {
    /// The largest universe `init` accepts.
    package static let maximumTickers = 100_000

    /// The number of stocks listed on a typical day (`SIM_TICKERS`); with listings and delistings, the universe over
    /// the whole period holds about twice as many (``universeSize``).
    package let tickerCount: Int
    /// The seed.
    package let seed: UInt64
    /// The fixed part of the market.
    let universe: SimUniverse

    /// A market with about `tickers` stocks (1 through `maximumTickers`) listed on any day, generated from `seed`.
    package init(tickers: Int = 6000, seed: UInt64 = 42) {
        precondition((1...Self.maximumTickers).contains(tickers), "SimulatedMarket needs 1...100000 tickers")
        self.tickerCount = tickers
        self.seed = seed
        // The listed share of the universe stays near `preListedShare` (listings balance delistings), so a universe
        // of tickers / share stocks lists about `tickers` a day: 5,000 gives the benchmark's ~12.6 M rows a decade.
        self.universe = SimUniverse(count: Self.universeSize(listed: tickers), seed: seed)
    }

    /// How many stocks the universe holds over 2000-2030 for `listed` listed on a typical day.
    package static func universeSize(listed: Int) -> Int {
        Int((Double(listed) / SimModel.preListedShare).rounded(.up))
    }

    /// The number of stocks in the universe over the whole period.
    package var universeSize: Int { universe.count }

    /// The first and last dates the market has sessions in.
    package static var coverage: ClosedRange<SessionDate> { NYSECalendar.coverage }

    /// Every stock that is listed at some point, in ticker order.
    package var allStocks: [StockInfo] { universe.infos }

    /// The stocks listed on `date`, in ticker order; any date, session or not.
    package func stocks(on date: SessionDate) -> [StockInfo] {
        let schedule = universe.schedule
        let next = schedule.firstIndex(onOrAfter: date)
        let isSession = schedule.index(of: date) != nil
        var result: [StockInfo] = []
        for stock in 0..<universe.count {
            let listed = Int(universe.listIndex[stock])
            let delisted = Int(universe.delistIndex[stock])
            // On a closed day: listed at an earlier session (or before the data starts), delisting at a later one.
            let isListed =
                isSession
                ? listed <= next && next < delisted
                : (listed == 0 || listed < next) && delisted >= next
            if isListed { result.append(universe.infos[stock]) }
        }
        return result
    }

    /// The first and last session with a row of `ticker` (rows may still be missing in between), or nil when
    /// the ticker is not in the universe.
    package func listing(of ticker: String) -> (first: SessionDate, last: SessionDate?)? {
        guard let stock = universe.position(of: ticker) else { return nil }
        let sessions = universe.schedule.sessions
        let delisted = Int(universe.delistIndex[stock])
        return (sessions[Int(universe.listIndex[stock])], delisted < sessions.count ? sessions[delisted - 1] : nil)
    }

    /// The session on `date`; nil when `date` is not an NYSE session in coverage.
    package func session(on date: SessionDate) -> SimSession? {
        guard let index = universe.schedule.index(of: date) else { return nil }
        var cursor = SimCursor(universe: universe, index: index)
        return cursor.step()
    }

    /// The rows of `date`, ordered by ticker; empty when `date` is not a session.
    package func rows(on date: SessionDate) -> [PriceRow] {
        session(on: date)?.rows ?? []
    }

    /// The sessions from `start` through `end`, generated day by day; non-sessions are skipped.
    package func sessions(from start: SessionDate, to end: SessionDate) -> SimSessionSequence {
        let schedule = universe.schedule
        let lower = schedule.firstIndex(onOrAfter: start)
        let upper = max(schedule.firstIndex(after: end), lower)
        return SimSessionSequence(universe: universe, indexes: lower..<upper)
    }
}
