import Foundation

// MARK: Corporate actions
//
// The model's price path (SimUniverse+Path.swift) is a total-return path; the rows are as traded. A stock's
// actions turn one into the other: the as-traded price is the model's price times exp(logDividend - logSplit)
// (SimFactors), its shares the model's shares times exp(logSplit). Dividends and special dividends are hashed
// per stock and quarter. Splits are triggered by the as-traded price at the start of each year, which the yearly
// anchors give without walking the days: they are decided in date order (`splitPlan`), one split slot per stock and
// year, folded from the stock's parameters when needed (`years(_:through:)`). So the factors at any session are the sum over the event list up to it, and
// a session far in the future costs one pass over the quarters before it, not a walk over the prices.

/// The per-stock parameters that decide its corporate actions.
struct SimActionPlan {
    /// Key of the stock's action draws.
    let key: UInt64
    /// Quarterly dividend yield; 0 for a stock that pays no regular dividend.
    let dividendYield: Double
    /// Sessions from the quarter's start to the regular ex-date, before a 0-3 session jitter.
    let dividendOffset: Int
    /// Session index of the first row.
    let listIndex: Int
    /// Session index after the last row.
    let delistIndex: Int

    /// Whether the stock has a row on session `index`: an action is only ever dated on such a session.
    func isListed(at index: Int) -> Bool { listIndex <= index && index < delistIndex }

    /// The actions in quarter offset `quarter`, with the split slot of its year (`splitIndex`, `splitCode`).
    func actions(quarter: Int, splitIndex: Int32, splitCode: UInt8, schedule: SimSchedule) -> SimQuarterActions {
        var actions = SimQuarterActions()
        let start = schedule.quarterStart[quarter]
        let length = schedule.quarterStart[quarter + 1] - start
        guard length > 0, listIndex < start + length, start < delistIndex else { return actions }
        if splitCode != 0, start <= Int(splitIndex), Int(splitIndex) < start + length {
            actions.splitIndex = Int(splitIndex)
            actions.splitRatio = SimModel.splitRatios[Int(splitCode)]
        }
        if dividendYield > 0 {
            let bits = SimHash.draw(key, UInt64(quarter) << 2)
            let index = start + min(dividendOffset + Int(bits & 3), length - 1)
            if isListed(at: index) {
                actions.dividendIndex = index
                actions.dividendYield = dividendYield
            }
        }
        let bits = SimHash.draw(key, UInt64(quarter) << 2 | 1)
        if SimHash.unit(bits) < SimModel.specialDividendProbability {
            let index = start + Int((bits & 0xFFFF) % UInt64(length))
            if isListed(at: index) {
                actions.specialIndex = index
                actions.specialYield =
                    SimModel.minimumSpecialYield
                    + (SimModel.maximumSpecialYield - SimModel.minimumSpecialYield) * SimHash.unit16(bits, shift: 16)
            }
        }
        return actions
    }

    /// The split slot of year offset `year` for an as-traded log price `logPrice` at the year's start and the
    /// stock's home log price `logHome`: the session index and the code of the ratio in `SimModel.splitRatios`;
    /// nil for no split.
    func split(year: Int, logPrice: Double, logHome: Double, schedule: SimSchedule) -> (index: Int32, code: UInt8)? {
        let bits = SimHash.draw(key, UInt64(year) << 2 | 2)
        let chance = SimHash.unit16(bits, shift: 0)
        let choice = SimHash.unit16(bits, shift: 16)
        let price = exp(logPrice)
        let code: UInt8
        if price < SimModel.reverseSplitPrice {
            guard chance < SimModel.reverseSplitProbability else { return nil }
            // 1-for-10 mostly; 1-for-20 for the cheapest, 1-for-5 for some of the rest.
            code = price < 0.5 ? (choice < 0.5 ? 7 : 5) : (choice < 0.3 ? 6 : 5)
        } else {
            let run = exp(logPrice - logHome)
            guard let band = SimModel.forwardSplitBands.last(where: { run >= $0.priceOverHome }),
                chance < band.probability
            else { return nil }
            // The ratio that brings the price back near home, with some variety: 3-for-2, 2-for-1, 3-for-1, 4-for-1.
            if run >= 3.5 {
                code = choice < 0.6 ? 4 : 2
            } else if run >= 2.4 {
                code = choice < 0.75 ? 2 : 1
            } else if run >= 1.75 {
                code = choice < 0.85 ? 1 : 3
            } else {
                code = choice < 0.7 ? 3 : 1
            }
        }
        // Announced with the year's first results: the ex-date falls in the first half of the year.
        let start = schedule.yearStart[year]
        let length = schedule.yearStart[year + 1] - start
        guard length > 0 else { return nil }
        let index = start + min(5 + Int((bits >> 32) % 120), length - 1)
        guard isListed(at: index) else { return nil }
        return (Int32(index), code)
    }
}

extension SimUniverse {
    /// The action parameters of `stock`.
    @inline(__always)
    func actionPlan(_ stock: Int) -> SimActionPlan {
        SimActionPlan(
            key: actionKey[stock], dividendYield: dividendYield[stock], dividendOffset: Int(dividendOffset[stock]),
            listIndex: Int(listIndex[stock]), delistIndex: Int(delistIndex[stock]))
    }

    /// The corporate actions of `stock` in quarter offset `quarter`, given its split slot in that quarter's year.
    func actions(_ stock: Int, quarter: Int, split: SimSplitSlot) -> SimQuarterActions {
        actionPlan(stock).actions(quarter: quarter, splitIndex: split.index, splitCode: split.code, schedule: schedule)
    }

    /// The factors of `stock` after every action dated before session `index`; `years` reaches that session's year.
    func factors(_ stock: Int, before index: Int, years: SimStockYears) -> SimFactors {
        var factors = SimFactors()
        guard index > 0 else { return factors }
        let last = Int(schedule.quarterOfSession[index - 1])
        for quarter in 0...last {
            let start = schedule.quarterStart[quarter]
            actions(stock, quarter: quarter, split: years.split(quarter / 4)).apply(
                in: start..<min(schedule.quarterStart[quarter + 1], index), to: &factors)
        }
        return factors
    }

    /// The yearly anchors, yearly shocks and split slots of `stock` for year offsets 0 through `lastYear`.
    ///
    /// The log price before each year is the previous anchor plus that year's total log return, built from the same
    /// yearly totals the daily bridge is pinned to (see SimCursor); the splits follow from the anchors. Each year
    /// depends only on the years before it, so any `lastYear` gives the same values for the years it covers.
    func years(_ stock: Int, through lastYear: Int) -> SimStockYears {
        let yearCount = schedule.yearCount
        let count = lastYear + 1
        var anchors = [Double](repeating: 0, count: count)
        var shocks = [Double](repeating: 0, count: count)
        let dailyDrift = drift[stock]
        let stockBeta = beta[stock]
        let sectorIndex = sector[stock]
        let variance = yearVariance[stock]
        let key = yearKey[stock]
        var anchor = firstAnchor[stock]
        for year in 0..<count {
            let days = Double(schedule.sessionCount(year: year))
            let shock = (days * variance).squareRoot() * SimHash.normal(SimHash.draw(key, UInt64(year)))
            anchors[year] = anchor
            shocks[year] = shock
            anchor +=
                days * dailyDrift + stockBeta * marketYear[year] + sectorYear[sectorIndex * yearCount + year] + shock
        }
        let splits = Self.splitPlan(actionPlan(stock), anchors: anchors, schedule: schedule)
        return SimStockYears(anchors: anchors, shocks: shocks, splitIndexes: splits.indexes, splitCodes: splits.codes)
    }

    /// Decides the split slots of one stock, year by year in date order, from the as-traded price at each
    /// year's start: `anchors` are the stock's yearly log prices, from the first year on. Returns the slots'
    /// session indexes and codes, one per anchor.
    static func splitPlan(
        _ plan: SimActionPlan, anchors: [Double], schedule: SimSchedule
    ) -> (indexes: [Int32], codes: [UInt8]) {
        let years = anchors.count
        var indexes = [Int32](repeating: -1, count: years)
        var codes = [UInt8](repeating: 0, count: years)
        var factors = SimFactors()
        var logHome: Double?
        for year in 0..<years {
            let yearEnd = schedule.yearStart[year + 1]
            // Nothing happens outside the listing; a stock listed later starts with no adjustment.
            if plan.listIndex < yearEnd && schedule.yearStart[year] < plan.delistIndex {
                let logPrice = anchors[year] + factors.logAdjustment
                let bounded = min(max(logPrice, log(SimModel.homePriceRange.low)), log(SimModel.homePriceRange.high))
                let home = min(logHome ?? bounded, bounded)
                logHome = home
                if let split = plan.split(year: year, logPrice: logPrice, logHome: home, schedule: schedule) {
                    indexes[year] = split.index
                    codes[year] = split.code
                    let ratio = SimModel.splitRatios[Int(split.code)]
                    // A forward split resets home to where it brings the price.
                    if ratio > 1 { logHome = max(logPrice - log(ratio), log(SimModel.homePriceRange.low)) }
                }
            }
            for quarter in year * 4..<year * 4 + 4 {
                let start = schedule.quarterStart[quarter]
                let end = schedule.quarterStart[quarter + 1]
                plan.actions(quarter: quarter, splitIndex: indexes[year], splitCode: codes[year], schedule: schedule)
                    .apply(in: start..<end, to: &factors)
            }
        }
        return (indexes, codes)
    }
}

/// A stock's split slot in one year: the ex-date's session index and the ratio's code (0: no split).
struct SimSplitSlot: Sendable {
    var index: Int32 = -1
    var code: UInt8 = 0
}

/// A stock's yearly values from the first covered year through some year: see `SimUniverse.years(_:through:)`.
struct SimStockYears: Sendable {
    /// Log price before the first session of each year.
    let anchors: [Double]
    /// Idiosyncratic log return over each year, the target of the daily bridge.
    let shocks: [Double]
    /// Session index of each year's split, valid when its code is not 0.
    let splitIndexes: [Int32]
    /// The ratio of that split as an index into `SimModel.splitRatios`; 0 for none.
    let splitCodes: [UInt8]

    /// The split slot of year offset `year`.
    func split(_ year: Int) -> SimSplitSlot {
        SimSplitSlot(index: splitIndexes[year], code: splitCodes[year])
    }
}
