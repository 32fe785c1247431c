import Contracts
import Foundation
import TradingCalendar

/// The generator's state between two sessions: per stock, the running log return since the year's anchor, the
/// year's bridge correction, the share count and the factors of the corporate actions so far. Stepping it produces
/// one session and moves to the next.
///
/// A stock's state is built from scratch (`initialize`) the first time the cursor meets it listed, in at most
/// two passes over the current year; after that each session costs one shock per stock, plus one pass over the
/// year at each year start for the new correction; corporate actions cost a look-up per stock and quarter.
struct SimCursor {
    /// The market's fixed part.
    let universe: SimUniverse
    /// The session index the next `step()` generates.
    private(set) var nextIndex: Int
    /// Whether a stock's state is current.
    private var ready: [Bool]
    /// Sum of the stock's log returns from the year start through the last generated session.
    private var partial: [Double]
    /// The stock's bridge correction for the current year.
    private var correction: [Double]
    /// Log shares outstanding.
    private var logShares: [Double]
    /// Shares outstanding, a whole number.
    private var shares: [Double]
    /// Session index of the pending share change in the current quarter, or -1.
    private var pendingIndex: [Int]
    /// Its change of log shares.
    private var pendingDelta: [Double]
    /// The corporate actions' factors through the last generated session.
    private var factors: [SimFactors]
    /// The stock's anchor for the current year: its log price before the year's first session.
    private var anchor: [Double]
    /// The stock's split slot in the current year.
    private var split: [SimSplitSlot]
    /// The corporate actions of the current quarter.
    private var quarterActions: [SimQuarterActions]
    /// Session index of the next of them still to take effect, or `Int.max`.
    private var nextAction: [Int]

    /// A cursor whose next session is session index `index`.
    init(universe: SimUniverse, index: Int) {
        let count = universe.count
        self.universe = universe
        self.nextIndex = index
        self.ready = [Bool](repeating: false, count: count)
        self.partial = [Double](repeating: 0, count: count)
        self.correction = [Double](repeating: 0, count: count)
        self.logShares = [Double](repeating: 0, count: count)
        self.shares = [Double](repeating: 0, count: count)
        self.pendingIndex = [Int](repeating: -1, count: count)
        self.pendingDelta = [Double](repeating: 0, count: count)
        self.factors = [SimFactors](repeating: SimFactors(), count: count)
        self.anchor = [Double](repeating: 0, count: count)
        self.split = [SimSplitSlot](repeating: SimSplitSlot(), count: count)
        self.quarterActions = [SimQuarterActions](repeating: SimQuarterActions(), count: count)
        self.nextAction = [Int](repeating: Int.max, count: count)
    }

    /// The log price of `stock` after the last generated session, nil when the cursor has not met it listed; the
    /// unrounded state behind the rows, for tests that compare generation paths bit for bit.
    func logPrice(_ stock: Int) -> Double? {
        guard ready[stock], nextIndex > 0 else { return nil }
        let year = Int(universe.schedule.yearOfSession[nextIndex - 1])
        return universe.years(stock, through: year).anchors[year] + partial[stock]
    }

    /// Log shares outstanding of `stock` after the last generated session, nil when not met yet.
    func logSharesOutstanding(_ stock: Int) -> Double? {
        ready[stock] ? logShares[stock] : nil
    }

    /// The corporate actions' factors of `stock` through the last generated session, nil when not met yet.
    func actionFactors(_ stock: Int) -> SimFactors? {
        ready[stock] ? factors[stock] : nil
    }

    /// Whether every session has been generated.
    var isFinished: Bool { nextIndex >= universe.schedule.count }

    /// Generates session `nextIndex` and advances; the cursor must not be finished.
    mutating func step() -> SimSession {
        let universe = universe
        let schedule = universe.schedule
        let index = nextIndex
        let date = schedule.sessions[index]
        let day = date.dayNumber
        let year = Int(schedule.yearOfSession[index])
        let quarter = Int(schedule.quarterOfSession[index])
        let startsYear = schedule.yearStart[year] == index
        let startsQuarter = schedule.quarterStart[quarter] == index
        var rows: [PriceRow] = []
        var stocks: [StockInfo] = []
        var actions: [CorporateAction] = []
        rows.reserveCapacity(universe.count * 3 / 5)
        stocks.reserveCapacity(universe.count * 3 / 5)
        for stock in 0..<universe.count where universe.isListed(stock, at: index) {
            if !ready[stock] {
                initialize(stock, index: index, year: year, quarter: quarter)
            } else {
                if startsYear {
                    enterYear(stock, year: year)
                    partial[stock] = 0
                }
                if startsQuarter {
                    setPending(stock, quarter: quarter)
                    quarterActions[stock] = universe.actions(stock, quarter: quarter, split: split[stock])
                    nextAction[stock] = quarterActions[stock].first(onOrAfter: index)
                }
            }
            let change = universe.logReturn(stock, index: index, day: day, correction: correction[stock])
            partial[stock] += change
            if pendingIndex[stock] == index {
                logShares[stock] += pendingDelta[stock]
                shares[stock] = Self.wholeShares(logShares[stock] + factors[stock].logSplit)
                pendingIndex[stock] = -1
            }
            let logPrice = anchor[stock] + partial[stock]
            if nextAction[stock] == index {
                takeActions(stock, index: index, date: date, logPrice: logPrice, to: &actions)
            }
            let tradedLogPrice = logPrice + factors[stock].logAdjustment
            stocks.append(universe.infos[stock])
            appendRow(stock, date: date, logPrice: tradedLogPrice, change: change, to: &rows)
        }
        nextIndex += 1
        return SimSession(date: date, rows: rows, stocks: stocks, actions: actions)
    }

    /// Builds the state of `stock` as it stands before session `index`, from the anchors alone.
    private mutating func initialize(_ stock: Int, index: Int, year: Int, quarter: Int) {
        let schedule = universe.schedule
        let years = enterYear(stock, year: year)
        let yearCorrection = correction[stock]
        var sum = 0.0
        for earlier in schedule.yearStart[year]..<index {
            sum += universe.logReturn(
                stock, index: earlier, day: schedule.sessions[earlier].dayNumber, correction: yearCorrection)
        }
        var logShares = universe.logShares0[stock]
        for earlier in 0..<quarter {
            if let change = universe.shareChange(stock, quarter: earlier) {
                logShares += change.delta
            }
        }
        pendingIndex[stock] = -1
        if let change = universe.shareChange(stock, quarter: quarter) {
            if change.index < index {
                logShares += change.delta
            } else {
                pendingIndex[stock] = change.index
                pendingDelta[stock] = change.delta
            }
        }
        let factors = universe.factors(stock, before: index, years: years)
        quarterActions[stock] = universe.actions(stock, quarter: quarter, split: split[stock])
        nextAction[stock] = quarterActions[stock].first(onOrAfter: index)
        partial[stock] = sum
        self.logShares[stock] = logShares
        self.factors[stock] = factors
        shares[stock] = Self.wholeShares(logShares + factors.logSplit)
        ready[stock] = true
    }

    /// Sets the year-long state of `stock` for year offset `year` (its anchor, split slot and bridge correction) and
    /// returns its yearly values through that year.
    @discardableResult
    private mutating func enterYear(_ stock: Int, year: Int) -> SimStockYears {
        let years = universe.years(stock, through: year)
        correction[stock] = universe.correction(stock, year: year, shock: years.shocks[year])
        anchor[stock] = years.anchors[year]
        split[stock] = years.split(year)
        return years
    }

    /// Applies the corporate actions of `stock` dated session `index` and lists them; `logPrice` is the model's
    /// log price at the session's close.
    private mutating func takeActions(
        _ stock: Int, index: Int, date: SessionDate, logPrice: Double, to list: inout [CorporateAction]
    ) {
        let actions = quarterActions[stock]
        let before = factors[stock]
        var after = before
        actions.apply(at: index, to: &after)
        factors[stock] = after
        nextAction[stock] = actions.first(onOrAfter: index + 1)
        let ticker = universe.tickers[stock]
        if actions.splitIndex == index {
            shares[stock] = Self.wholeShares(logShares[stock] + after.logSplit)
            list.append(CorporateAction(date: date, ticker: ticker, kind: .split, value: actions.splitRatio))
        }
        // A dividend is a share of the price it comes off: the close as it would be without it, on the basis of
        // the ex-date (after a split the same day).
        let withDividend = exp(logPrice + before.logDividend - after.logSplit)
        if actions.dividendIndex == index {
            list.append(
                CorporateAction(
                    date: date, ticker: ticker, kind: .cashDividend,
                    value: Self.cents(actions.dividendYield * withDividend)))
        }
        if actions.specialIndex == index {
            list.append(
                CorporateAction(
                    date: date, ticker: ticker, kind: .specialDividend,
                    value: Self.cents(actions.specialYield * withDividend)))
        }
    }

    /// Schedules the share change of `stock` in `quarter`, if any.
    private mutating func setPending(_ stock: Int, quarter: Int) {
        if let change = universe.shareChange(stock, quarter: quarter) {
            pendingIndex[stock] = change.index
            pendingDelta[stock] = change.delta
        } else {
            pendingIndex[stock] = -1
        }
    }

    /// Shares outstanding for a log share count: a whole number, at least one.
    private static func wholeShares(_ logShares: Double) -> Double {
        max(exp(logShares).rounded(), 1)
    }

    /// Rounds a price to cents, never below one cent; monotone, so rounding keeps low <= open, close <= high.
    @inline(__always)
    private static func cents(_ price: Double) -> Double {
        max((price * 100).rounded() / 100, 0.01)
    }

    /// Appends the row of `stock` (none when its row is missing, two for a duplicate), defects included.
    @inline(__always)
    private func appendRow(_ stock: Int, date: SessionDate, logPrice: Double, change: Double, to rows: inout [PriceRow])
    {
        let bits = SimHash.draw(universe.rowKey[stock], UInt64(UInt32(bitPattern: date.dayNumber)))
        let event = bits & 0xF_FFFF
        let missingLimit = universe.missingLimit[stock]
        if event < missingLimit { return }
        let more = SimHash.mix(bits)
        let sigma = universe.sigma[stock]
        let level = exp(logPrice)
        // The open lies near the previous close (log price minus today's change) with a small overnight gap.
        let gap = sigma * (SimHash.unit16(bits, shift: 24) - 0.5)
        let openRaw = exp(logPrice - change + gap)
        let shares = shares[stock]
        let activity = (0.5 + SimHash.unit16(more, shift: 16)) * (1 + 10 * abs(change))
        var open = Self.cents(openRaw)
        var high = Self.cents(max(openRaw, level) * (1 + 0.9 * sigma * SimHash.unit16(bits, shift: 40)))
        var low = Self.cents(min(openRaw, level) * (1 - 0.9 * sigma * SimHash.unit16(more, shift: 0)))
        var close = Self.cents(level)
        var volume = (shares * universe.turnover[stock] * activity).rounded()
        var marketCap: Double? = (close * shares).rounded()
        var sharesOutstanding: Double?
        let badLimit = universe.badLimit[stock]
        if event >= badLimit {
            if event < badLimit + SimModel.sharesOnly {
                marketCap = nil
                sharesOutstanding = shares
            }
        } else {
            // A bad tick, of one of eight kinds.
            switch (bits >> 20) & 7 {
            case 0:
                close = 0
                marketCap = 0
            case 1:
                close = -close
                marketCap = (close * shares).rounded()
            case 2:
                close = .nan
                marketCap = .nan
            case 3:
                marketCap = nil
            case 4:
                (high, low) = (low, high + 0.01)
            case 5:
                open = Self.cents(high * 1.05 + 0.01)
            case 6:
                volume = -max(volume, 1)
            default:
                // A duplicate: the first row stands, the second (a slightly different print) is rejected.
                rows.append(
                    PriceRow(
                        date: date, ticker: universe.tickers[stock], open: open, high: high, low: low, close: close,
                        volume: volume, marketCap: marketCap))
                close = Self.cents(close * 1.01)
                marketCap = (close * shares).rounded()
            }
        }
        // Built in place: a row is 136 bytes, and copying it from a local costs as much as computing it.
        rows.append(
            PriceRow(
                date: date, ticker: universe.tickers[stock], open: open, high: high, low: low, close: close,
                volume: volume, marketCap: marketCap, sharesOutstanding: sharesOutstanding))
    }
}
