/// The constants of the simulated market, in one place so the statistics tests and the docs can name them.
enum SimModel {
    // MARK: Listings

    /// Share of tickers already listed on the first session of 2000; the rest list uniformly over 2000-2030.
    ///
    /// With a delisting hazard h and N(1 - p) listings spread over 31 years, the listed count stays level when
    /// p = (1 - p) / (31 h): p ≈ 0.52 for h = 3 %, so listings and delistings both run near 3 % a year.
    static let preListedShare = 0.52
    /// Yearly delisting hazard of a listed stock (acquisitions, bankruptcies, going private).
    static let delistingHazard = 0.03
    /// Sessions in a model year, for converting yearly rates.
    static let sessionsPerYear = 252.0

    // MARK: Size

    /// Median market cap at the start of 2000, in dollars.
    static let medianMarketCap = 1.5e9
    /// Standard deviation of the log market cap across stocks: with ~3,000 listed, rank 1 is near $1 T, rank 100
    /// near $40 B and rank 1,000 near $3 B, roughly the US market's shape.
    static let logMarketCapSpread = 1.8
    /// Median share price at the start of 2000.
    static let medianPrice = 30.0
    /// Standard deviation of the log share price.
    static let logPriceSpread = 0.8

    // MARK: Returns

    /// Expected yearly (arithmetic) return of the market.
    static let marketReturn = 0.07
    /// Typical daily volatility of the market factor; each year scales it by a log-normal regime factor.
    static let marketVolatility = 0.010
    /// Spread of the log of the yearly market-volatility regime factor.
    static let marketRegimeSpread = 0.35
    /// Daily probability of a market-wide jump (a crash or rally day): 8 / 2048 ≈ 0.4 %.
    static let marketJumpThreshold: UInt64 = 8
    /// Standard deviation of a market-wide jump.
    static let marketJumpSize = 0.025
    /// Daily volatility of each sector factor.
    static let sectorVolatility = 0.005
    /// Idiosyncratic daily volatility of stocks of $30 B and more; smaller ones get more, see
    /// `idiosyncraticVolatility`. On the calm side of real large caps (0.6-1.2 %): neighbouring ranks near 100
    /// are only ~1 % apart, so even so the top 100 changes on about half the sessions (seed 42: ~130 a year).
    static let largeCapVolatility = 0.006
    /// Extra idiosyncratic volatility per decade of market cap below $30 B.
    static let volatilityPerDecade = 0.005
    /// Spread of market betas around 1.
    static let betaSpread = 0.2
    /// Daily probability of an idiosyncratic jump (earnings, news): 5 / 2048 ≈ 0.24 %.
    static let jumpThreshold: UInt64 = 5
    /// Standard deviation of an idiosyncratic jump.
    static let jumpSize = 0.07
    /// Spread of each stock's yearly alpha (its expected return above or below the market).
    static let alphaSpread = 0.03

    /// The idiosyncratic daily volatility of a stock of log10 market cap `decades`.
    static func idiosyncraticVolatility(log10MarketCap decades: Double) -> Double {
        largeCapVolatility + volatilityPerDecade * min(max(10.5 - decades, 0), 3)
    }

    // MARK: Shares

    /// Probability that a stock changes its share count in a given quarter.
    static let shareChangeProbability = 0.35
    /// Among changes: share of buybacks (-0.2 % to -2 %); the rest are issuance (+0.3 % to +3.3 %),
    /// and `largeIssuanceShare` of all changes a secondary offering or stock deal (+8 % to +28 %).
    static let buybackShare = 0.65
    /// Share of changes that are large issuances.
    static let largeIssuanceShare = 0.03
    /// Median daily turnover: traded shares as a share of shares outstanding.
    static let medianTurnover = 0.004

    // MARK: Corporate actions

    /// Share of stocks that pay a regular quarterly dividend (a fixed subset, drawn per stock).
    static let dividendPayerShare = 0.4
    /// Smallest quarterly dividend of a payer, as a share of the price on the ex-date.
    static let minimumDividendYield = 0.003
    /// Largest quarterly dividend of a payer, as a share of the price on the ex-date.
    static let maximumDividendYield = 0.01
    /// Probability of a special dividend in a quarter of a listed stock: about one per 200 stock-years.
    static let specialDividendProbability = 1.0 / 800
    /// Smallest special dividend, as a share of the price.
    static let minimumSpecialYield = 0.02
    /// Largest special dividend, as a share of the price.
    static let maximumSpecialYield = 0.10
    /// A company likes its share price near its "home": the lowest as-traded price at a year's start since its
    /// listing or its last split (right after it), kept within these bounds (in dollars).
    static let homePriceRange = (low: 10.0, high: 60.0)
    /// Yearly probability of a forward split by the as-traded price at the start of the year over the home price:
    /// none below the first bound, then one probability per band. The odds rise with how far the price has run.
    static let forwardSplitBands: [(priceOverHome: Double, probability: Double)] = [
        (1.25, 0.3), (1.5, 0.55), (2.0, 0.85),
    ]
    /// Yearly probability of a reverse split when the as-traded price at the start of the year is below
    /// `reverseSplitPrice` (exchanges delist stocks that trade below $1 for long).
    static let reverseSplitProbability = 0.15
    /// The price under which a reverse split becomes possible.
    static let reverseSplitPrice = 1.5
    /// Split ratios (shares after / shares before) by code; code 0 is no split. 2-for-1, 3-for-1, 3-for-2,
    /// 4-for-1, then the reverse splits 1-for-10, 1-for-5, 1-for-20.
    static let splitRatios: [Double] = [1, 2, 3, 1.5, 4, 0.1, 0.2, 0.05]

    // MARK: Data defects (per row, out of 2^20)

    /// Defects are rarer for large stocks, as with real vendors: stocks of $30 B and more at the start get this
    /// share of the average rate, the rest `smallCapDefectScale`, which keeps the overall rates below.
    static let largeCapDefectScale = 0.1
    /// Defect-rate multiplier of the other stocks (about 95 % of them).
    static let smallCapDefectScale = 1.04

    /// A listed stock has no row on a session: 2,097 / 2^20 ≈ 0.2 % on average.
    static let missingRows: UInt64 = 2_097
    /// A row is a bad tick: 524 / 2^20 ≈ 0.05 % on average.
    static let badTicks: UInt64 = 524
    /// A row gives shares outstanding instead of a market cap: 10,486 / 2^20 ≈ 1 %.
    static let sharesOnly: UInt64 = 10_486
}
