import Contracts
import TradingCalendar

/// The analytics of an index over a query range (DESIGN, "Analytics over a query range"), computed in one place for
/// the API's summary, the export and `indexctl summary`.
///
/// The first session's return belongs to the day before the range: the statistics of moves use the n returns of
/// the sessions after the first one, the same returns that make `totalReturn = L(e) / L(s) - 1`. A statistic the
/// range cannot give (no session; fewer than two moves for the volatility; no move for the best and worst
/// session) is nil.
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
    /// The sample standard deviation (n - 1) of the moves, times sqrt(252).
    package var annualizedVolatility: Double?
    /// The minimum of `L(d) / (highest level up to d) - 1`: negative or 0.
    package var maxDrawdown: Double?
    /// The move with the highest return (the earliest of equal ones).
    package var bestSession: SessionReturn?
    /// The move with the lowest return (the earliest of equal ones).
    package var worstSession: SessionReturn?

    /// Sessions per year, for annualizing.
    package static let sessionsPerYear = 252.0

    /// The analytics of `points`, the index sessions of a range in date order.
    package init(points: [PerformancePoint]) {
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
        if moves.count >= 2 {
            let mean = moves.reduce(0) { $0 + $1.dailyReturn } / Double(moves.count)
            let squares = moves.reduce(0) { $0 + ($1.dailyReturn - mean) * ($1.dailyReturn - mean) }
            annualizedVolatility = (squares / Double(moves.count - 1) * Self.sessionsPerYear).squareRoot()
        }
        // Both keep the first of equal elements: the earliest session.
        let best = moves.max { $0.dailyReturn < $1.dailyReturn }
        let worst = moves.min { $0.dailyReturn < $1.dailyReturn }
        bestSession = best.map { SessionReturn(date: $0.date, dailyReturn: $0.dailyReturn) }
        worstSession = worst.map { SessionReturn(date: $0.date, dailyReturn: $0.dailyReturn) }
    }

    /// `L(d) / L(s) - 1` for a level of the range.
    package func cumulativeReturn(level: Double) -> Double {
        level / (startLevel ?? level) - 1
    }
}
