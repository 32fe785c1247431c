import Contracts
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
}
