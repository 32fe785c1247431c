import Contracts
import Foundation
import Methodology
import Testing
import TradingCalendar

@Suite("Analytics over a query range")
struct RangeAnalyticsTests {
    static func point(_ day: String, _ level: Double, _ dailyReturn: Double) -> PerformancePoint {
        PerformancePoint(date: SessionDate(day)!, level: level, dailyReturn: dailyReturn)
    }

    static func close(_ value: Double?, _ expected: Double) -> Bool {
        guard let value else { return false }
        return abs(value - expected) < 1e-12
    }

    /// Levels 100, 110, 99, 108.9: moves +10 %, -10 %, +10 % (the first session's own return, 50 %, belongs to the
    /// day before the range and counts nowhere).
    /// - total return: 108.9 / 100 - 1 = 0.089.
    /// - drawdown: running peaks 100, 110, 110, 110; 99 / 110 - 1 = -0.1 and 108.9 / 110 - 1 = -0.01: -0.1.
    /// - volatility: mean 0.1 / 3; squared deviations (0.2/3)^2 + (0.4/3)^2 + (0.2/3)^2 = 0.24 / 9 = 2 / 75;
    ///   over n - 1 = 2: 1 / 75; times 252: 3.36; square root: 1.833030277982336.
    /// - best: +10 % on 01-03 (the earliest of two); worst: -10 % on 01-04.
    @Test("a four-session range: total return, drawdown, volatility, best and worst session by hand")
    func fourSessions() {
        let analytics = RangeAnalytics(points: [
            Self.point("2024-01-02", 100, 0.5),
            Self.point("2024-01-03", 110, 0.1),
            Self.point("2024-01-04", 99, -0.1),
            Self.point("2024-01-05", 108.9, 0.1),
        ])
        #expect(analytics.sessions == 4)
        #expect(analytics.startDate == SessionDate("2024-01-02"))
        #expect(analytics.endDate == SessionDate("2024-01-05"))
        #expect(Self.close(analytics.totalReturn, 0.089))
        #expect(Self.close(analytics.maxDrawdown, -0.1))
        #expect(Self.close(analytics.annualizedVolatility, 1.833030277982336))
        #expect(
            analytics.bestSession == RangeAnalytics.SessionReturn(date: SessionDate("2024-01-03")!, dailyReturn: 0.1))
        #expect(
            analytics.worstSession == RangeAnalytics.SessionReturn(date: SessionDate("2024-01-04")!, dailyReturn: -0.1))
        #expect(Self.close(analytics.cumulativeReturn(level: 99), -0.01))
    }

    @Test("a rising series has no drawdown; its deepest fall is 0, not the first session's return")
    func rising() {
        let analytics = RangeAnalytics(points: [
            Self.point("2024-01-02", 100, -0.3), Self.point("2024-01-03", 101, 0.01),
            Self.point("2024-01-04", 103.02, 0.02),
        ])
        #expect(analytics.maxDrawdown == 0)
        #expect(analytics.worstSession?.dailyReturn == 0.01)
        // Moves 0.01 and 0.02: mean 0.015, squared deviations 2 * 0.005^2 = 5e-5, over 1, times 252: 0.0126.
        #expect(Self.close(analytics.annualizedVolatility, 0.0126.squareRoot()))
    }

    @Test("what a short range cannot give is nil: no session, one session, one move")
    func shortRanges() {
        let empty = RangeAnalytics(points: [])
        #expect(empty.sessions == 0 && empty.startDate == nil && empty.endDate == nil)
        #expect(empty.totalReturn == nil && empty.maxDrawdown == nil && empty.annualizedVolatility == nil)
        #expect(empty.bestSession == nil && empty.worstSession == nil)

        let one = RangeAnalytics(points: [Self.point("2024-01-02", 1000, 0.02)])
        #expect(one.totalReturn == 0 && one.maxDrawdown == 0)
        #expect(one.annualizedVolatility == nil && one.bestSession == nil && one.worstSession == nil)

        let two = RangeAnalytics(points: [Self.point("2024-01-02", 1000, 0), Self.point("2024-01-03", 990, -0.01)])
        #expect(Self.close(two.totalReturn, -0.01) && Self.close(two.maxDrawdown, -0.01))
        #expect(two.annualizedVolatility == nil)
        #expect(two.bestSession == two.worstSession && two.bestSession?.date == SessionDate("2024-01-03"))
    }

    /// The four-session range of `fourSessions` (moves +10 %, -10 %, +10 %; n = 3), by hand:
    /// - annualized return: 1.089^(252 / 3) - 1 = 1.089^84 - 1 = 1288.2641288883594.
    /// - Sharpe (rf 0): mean 1/30 over the sample deviation sqrt(1/75), times sqrt(252) = sqrt(18900) / 30.
    /// - Sharpe (rf 2.52 %: 0.0001 a session): (1/30 - 0.0001) * sqrt(75) * sqrt(252) = 4.568827967870972.
    /// - Sortino (rf 0): only -0.1 falls short: sqrt(0.01 / 3); (1/30) / sqrt(1/300) * sqrt(252) = sqrt(75600) / 30.
    /// - turnover: the rebalance sessions after the first, 0.2 and 0.1 (the first session's 0.9 is the day before).
    @Test("annualized return, Sharpe and Sortino ratios with a risk-free rate, turnover: by hand")
    func ratios() {
        var points = [
            Self.point("2024-01-02", 100, 0.5), Self.point("2024-01-03", 110, 0.1),
            Self.point("2024-01-04", 99, -0.1), Self.point("2024-01-05", 108.9, 0.1),
        ]
        points[0].turnover = 0.9
        points[1].turnover = 0.2
        points[3].turnover = 0.1
        let analytics = RangeAnalytics(points: points)
        #expect(abs(analytics.annualizedReturn! / 1288.2641288883594 - 1) < 1e-12)
        #expect(Self.close(analytics.sharpe, 18900.0.squareRoot() / 30))
        #expect(Self.close(analytics.sortino, 75600.0.squareRoot() / 30))
        #expect(Self.close(analytics.turnover, 0.3))
        #expect(Self.close(analytics.turnoverPerRebalance, 0.15))
        let withRate = RangeAnalytics(points: points, riskFreeRate: 0.0252)
        #expect(Self.close(withRate.sharpe, 4.568827967870972))
        #expect(withRate.riskFreeRate == 0.0252)
        // No rebalance session: turnover 0, none per rebalance.
        let plain = RangeAnalytics(
            points: points.map { PerformancePoint(date: $0.date, level: $0.level, dailyReturn: $0.dailyReturn) })
        #expect(plain.turnover == 0 && plain.turnoverPerRebalance == nil)
    }

    @Test("ratios that are undefined are nil: one move, no deviation, no shortfall")
    func undefinedRatios() {
        let two = RangeAnalytics(points: [Self.point("2024-01-02", 1000, 0), Self.point("2024-01-03", 990, -0.01)])
        #expect(Self.close(two.annualizedReturn, pow(0.99, 252) - 1))
        #expect(two.sharpe == nil && two.sortino == nil)
        let flat = RangeAnalytics(points: [
            Self.point("2024-01-02", 100, 0), Self.point("2024-01-03", 101, 0.01),
            Self.point("2024-01-04", 102.01, 0.01),
        ])
        #expect(flat.sharpe == nil)  // a zero deviation
        #expect(flat.sortino == nil)  // nothing falls short of rf = 0
        let empty = RangeAnalytics(points: [])
        #expect(empty.annualizedReturn == nil && empty.turnover == nil)
    }

    /// Index moves 0.1, -0.1, 0.1 against benchmark moves 0.05, -0.05, 0 (each series' first session in the range
    /// left out), by hand: covariance 0.01 / 2 = 0.005; benchmark variance 0.005 / 2 = 0.0025, so beta 2; index
    /// deviation sqrt(1/75), benchmark 0.05: correlation sqrt(3) / 2; differences 0.05, -0.05, 0.1: mean 1/30, sample
    /// deviation sqrt(0.035 / 3 / 2), tracking error that times sqrt(252) = 1.2124355652982144; information ratio
    /// (1/30 * 252) / 1.2124355652982144 = 4 sqrt(3).
    @Test("against a benchmark: beta, tracking error, information ratio and correlation by hand")
    func benchmark() {
        let points = [
            Self.point("2024-01-02", 100, 0.5), Self.point("2024-01-03", 110, 0.1),
            Self.point("2024-01-04", 99, -0.1), Self.point("2024-01-05", 108.9, 0.1),
        ]
        let benchmark = [
            Self.point("2024-01-02", 500, 0.7), Self.point("2024-01-03", 525, 0.05),
            Self.point("2024-01-04", 498.75, -0.05), Self.point("2024-01-05", 498.75, 0),
        ]
        let compared = BenchmarkAnalytics(index: "ew100-tr", points: points, benchmark: benchmark)
        #expect(compared.index == "ew100-tr" && compared.sessions == 3)
        #expect(Self.close(compared.beta, 2))
        #expect(Self.close(compared.correlation, 3.0.squareRoot() / 2))
        #expect(Self.close(compared.trackingError, 1.2124355652982144))
        #expect(Self.close(compared.informationRatio, 4 * 3.0.squareRoot()))
        // Only common sessions count: without 01-04 in the benchmark, two pairs remain.
        let gap = BenchmarkAnalytics(
            index: "b", points: points, benchmark: benchmark.filter { $0.date != SessionDate("2024-01-04") })
        #expect(gap.sessions == 2)
        // Itself: beta 1, correlation 1, no tracking error, no information ratio.
        let same = BenchmarkAnalytics(index: "a", points: points, benchmark: points)
        #expect(Self.close(same.beta, 1) && Self.close(same.correlation, 1))
        #expect(same.trackingError == 0 && same.informationRatio == nil)
        #expect(BenchmarkAnalytics(index: "a", points: Array(points.prefix(2)), benchmark: points).beta == nil)
    }
}
