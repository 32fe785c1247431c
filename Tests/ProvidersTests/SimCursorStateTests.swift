import Testing
import TradingCalendar

@testable import Providers

@Suite("Simulated market: generator state across paths")
struct SimCursorStateTests {
    /// Rows round prices to cents, which would hide a last-bit difference in the path; this compares the
    /// unrounded log prices, share counts and corporate-action factors of every listed stock, stepped from an
    /// earlier year versus built at the date alone.
    @Test("the unrounded state is bit-identical whichever way a session is reached")
    func stateMatches() {
        let universe = SimulatedMarket(tickers: 120, seed: 21).universe
        let schedule = universe.schedule
        guard let first = schedule.index(of: day("2016-11-01")), let last = schedule.index(of: day("2018-02-01")) else {
            Issue.record("dates are not sessions")
            return
        }
        var stepped = SimCursor(universe: universe, index: first)
        var compared = 0
        var adjusted = 0
        for index in first...last {
            _ = stepped.step()
            var alone = SimCursor(universe: universe, index: index)
            _ = alone.step()
            for stock in 0..<universe.count where universe.isListed(stock, at: index) {
                #expect(stepped.logPrice(stock)?.bitPattern == alone.logPrice(stock)?.bitPattern)
                #expect(
                    stepped.logSharesOutstanding(stock)?.bitPattern == alone.logSharesOutstanding(stock)?.bitPattern)
                let steppedFactors = stepped.actionFactors(stock)
                let aloneFactors = alone.actionFactors(stock)
                #expect(steppedFactors?.logSplit.bitPattern == aloneFactors?.logSplit.bitPattern)
                #expect(steppedFactors?.logDividend.bitPattern == aloneFactors?.logDividend.bitPattern)
                if let factors = steppedFactors, factors.logSplit != 0 { adjusted += 1 }
                compared += 1
            }
        }
        #expect(compared > 10_000)
        #expect(adjusted > 100, "stock-sessions after a split: \(adjusted)")
    }

    @Test("the log price moves by no more than a day's return across a year end")
    func continuityAcrossYearEnd() {
        let universe = SimulatedMarket(tickers: 120, seed: 21).universe
        guard let index = universe.schedule.index(of: day("2020-01-02")) else { return }
        var cursor = SimCursor(universe: universe, index: index - 1)
        _ = cursor.step()
        let before = (0..<universe.count).map { cursor.logPrice($0) }
        _ = cursor.step()
        for stock in 0..<universe.count where universe.isListed(stock, at: index - 1) {
            guard let old = before[stock], let new = cursor.logPrice(stock) else { continue }
            let year = 2020 - universe.schedule.firstYear
            let shock = universe.years(stock, through: year).shocks[year]
            let expected = universe.logReturn(
                stock, index: index, day: day("2020-01-02").dayNumber,
                correction: universe.correction(stock, year: year, shock: shock))
            #expect(abs(new - old - expected) < 1e-12)
        }
    }
}
