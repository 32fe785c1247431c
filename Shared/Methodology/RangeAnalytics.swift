import Contracts
import Foundation
import TradingCalendar

/// The analytics of an index over a query range (DESIGN, "Analytics over a query range"), computed in one place for
/// the API's summary, the export and `indexctl summary`.
///
/// The first session's return belongs to the day before the range: the statistics of moves use the n returns of
/// the sessions after the first one, the same returns that make `totalReturn = L(e) / L(s) - 1`. A statistic the
/// range cannot give is nil: no session; no move for the annualized return and the best and worst session; fewer
/// than two moves for the volatility, Sharpe and Sortino ratios; a zero standard deviation (Sharpe) or downside
/// deviation (Sortino); no rebalance session for the turnover per rebalance.
package struct RangeAnalytics: Sendable, Equatable {
    /// One session's return: the best or worst of the range.
    package struct SessionReturn: Sendable, Equatable {
        /// The session.
        package var date: SessionDate
        /// Its return R(d).
        package var dailyReturn: Double

        /// A session's return.
        package init(date: SessionDate, dailyReturn: Double) {
            self.date = date
            self.dailyReturn = dailyReturn
        }
    }

    /// The index sessions of the range.
    package var sessions: Int
    /// The first session of the range.
    package var startDate: SessionDate?
    /// The last session of the range.
    package var endDate: SessionDate?
    /// The first session's level, the base of the cumulative returns.
    package var startLevel: Double?
    /// The last session's level.
    package var endLevel: Double?
    /// `L(e) / L(s) - 1`.
    package var totalReturn: Double?
    /// `(L(e) / L(s))^(252 / n) - 1`.
    package var annualizedReturn: Double?
    /// The sample standard deviation (n - 1) of the moves, times sqrt(252).
    package var annualizedVolatility: Double?
    /// `(mean - rf / 252) / sample standard deviation * sqrt(252)`.
    package var sharpe: Double?
    /// `(mean - rf / 252) / sqrt(mean of min(R - rf / 252, 0)^2) * sqrt(252)`.
    package var sortino: Double?
    /// The sum of the turnover of the rebalance sessions after the first session (0 when there is none).
    package var turnover: Double?
    /// `turnover` divided by the number of those rebalance sessions.
    package var turnoverPerRebalance: Double?
    /// The annual risk-free rate the ratios were computed with.
    package var riskFreeRate: Double
    /// The minimum of `L(d) / (highest level up to d) - 1`: negative or 0.
    package var maxDrawdown: Double?
    /// The move with the highest return (the earliest of equal ones).
    package var bestSession: SessionReturn?
    /// The move with the lowest return (the earliest of equal ones).
    package var worstSession: SessionReturn?

    /// Sessions per year, for annualizing.
    package static let sessionsPerYear = 252.0

    /// The analytics of `points`, the index sessions of a range in date order, with an annual risk-free rate.
    package init(points: [PerformancePoint], riskFreeRate: Double = 0) {
        self.riskFreeRate = riskFreeRate
        sessions = points.count
        startDate = points.first?.date
        endDate = points.last?.date
        startLevel = points.first?.level
        endLevel = points.last?.level
        if let first = points.first, let last = points.last {
            totalReturn = last.level / first.level - 1
            var peak = -Double.infinity
            var drawdown = 0.0
            for point in points {
                peak = max(peak, point.level)
                drawdown = min(drawdown, point.level / peak - 1)
            }
            maxDrawdown = drawdown
        }
        let moves = points.dropFirst()
        if let first = points.first, let last = points.last, !moves.isEmpty {
            annualizedReturn = pow(last.level / first.level, Self.sessionsPerYear / Double(moves.count)) - 1
            let rebalances = moves.compactMap(\.turnover)
            turnover = rebalances.reduce(0, +)
            turnoverPerRebalance = rebalances.isEmpty ? nil : rebalances.reduce(0, +) / Double(rebalances.count)
        } else if !points.isEmpty {
            turnover = 0
        }
        if moves.count >= 2 {
            let returns = moves.map(\.dailyReturn)
            let mean = Self.mean(returns)
            let deviation = Self.sampleDeviation(returns)
            annualizedVolatility = deviation * Self.sessionsPerYear.squareRoot()
            let dailyFree = riskFreeRate / Self.sessionsPerYear
            if deviation > 0 {
                sharpe = (mean - dailyFree) / deviation * Self.sessionsPerYear.squareRoot()
            }
            let downside =
                (returns.reduce(0) { sum, value in
                    let shortfall = min(value - dailyFree, 0)
                    return sum + shortfall * shortfall
                } / Double(returns.count)).squareRoot()
            if downside > 0 {
                sortino = (mean - dailyFree) / downside * Self.sessionsPerYear.squareRoot()
            }
        }
        // Both keep the first of equal elements: the earliest session.
        let best = moves.max { $0.dailyReturn < $1.dailyReturn }
        let worst = moves.min { $0.dailyReturn < $1.dailyReturn }
        bestSession = best.map { SessionReturn(date: $0.date, dailyReturn: $0.dailyReturn) }
        worstSession = worst.map { SessionReturn(date: $0.date, dailyReturn: $0.dailyReturn) }
    }

    /// The arithmetic mean.
    static func mean(_ values: [Double]) -> Double {
        values.reduce(0, +) / Double(values.count)
    }

    /// The sample standard deviation (n - 1); needs two values.
    static func sampleDeviation(_ values: [Double]) -> Double {
        let mean = mean(values)
        return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot()
    }

    /// `L(d) / L(s) - 1` for a level of the range.
    package func cumulativeReturn(level: Double) -> Double {
        level / (startLevel ?? level) - 1
    }
}

/// An index against a benchmark over a query range (DESIGN.md "Analytics over a query range"): over the sessions
/// d after the first session s of the range at which both have a return R(d).
///
/// Both series' returns of their first session in the range are left out: the index's belongs to the day before s,
/// and a benchmark's first session in the range is s too (both are computed over the same index sessions) unless
/// it is the benchmark's base, whose return 0 is no return.
package struct BenchmarkAnalytics: Sendable, Equatable {
    /// The benchmark's index id.
    package var index: String
    /// The sessions compared.
    package var sessions: Int
    /// The sample covariance of the returns over the benchmark's sample variance.
    package var beta: Double?
    /// The sample standard deviation of the differences (index - benchmark), times sqrt(252).
    package var trackingError: Double?
    /// The mean difference times 252, over the tracking error.
    package var informationRatio: Double?
    /// Pearson's correlation of the returns.
    package var correlation: Double?

    /// The comparison of `points` (the index) with `benchmark` (the benchmark's points of the same range).
    package init(index: String, points: [PerformancePoint], benchmark: [PerformancePoint]) {
        self.index = index
        var theirs: [SessionDate: Double] = [:]
        for point in benchmark.dropFirst() { theirs[point.date] = point.dailyReturn }
        var pairs: [(mine: Double, theirs: Double)] = []
        for point in points.dropFirst() {
            if let other = theirs[point.date] { pairs.append((point.dailyReturn, other)) }
        }
        sessions = pairs.count
        guard pairs.count >= 2 else { return }
        let mine = pairs.map(\.mine)
        let others = pairs.map(\.theirs)
        let meanMine = RangeAnalytics.mean(mine)
        let meanOthers = RangeAnalytics.mean(others)
        let covariance =
            pairs.reduce(0) { $0 + ($1.mine - meanMine) * ($1.theirs - meanOthers) } / Double(pairs.count - 1)
        let deviationMine = RangeAnalytics.sampleDeviation(mine)
        let deviationOthers = RangeAnalytics.sampleDeviation(others)
        let varianceOthers = others.reduce(0) { $0 + ($1 - meanOthers) * ($1 - meanOthers) } / Double(others.count - 1)
        if varianceOthers > 0 {
            beta = covariance / varianceOthers
        }
        if deviationMine > 0 && deviationOthers > 0 {
            correlation = covariance / (deviationMine * deviationOthers)
        }
        let differences = pairs.map { $0.mine - $0.theirs }
        let trackingError = RangeAnalytics.sampleDeviation(differences) * RangeAnalytics.sessionsPerYear.squareRoot()
        self.trackingError = trackingError
        if trackingError > 0 {
            informationRatio = RangeAnalytics.mean(differences) * RangeAnalytics.sessionsPerYear / trackingError
        }
    }
}
