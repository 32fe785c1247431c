import Foundation

/// The corporate actions of one stock in one quarter, as session indexes (-1: none): at most one split, one
/// regular and one special dividend. Dividends are yields here; the amount in dollars depends on the price on
/// the ex-date and is only worked out when that session is generated.
struct SimQuarterActions: Sendable {
    /// Session index of the split's ex-date, or -1.
    var splitIndex = -1
    /// Shares after / shares before.
    var splitRatio = 1.0
    /// Session index of the regular dividend's ex-date, or -1.
    var dividendIndex = -1
    /// The regular dividend as a share of the price it comes off.
    var dividendYield = 0.0
    /// Session index of the special dividend's ex-date, or -1.
    var specialIndex = -1
    /// The special dividend as a share of the price it comes off.
    var specialYield = 0.0

    /// The first session index at or after `index` that has an action; `Int.max` when none.
    func first(onOrAfter index: Int) -> Int {
        var first = Int.max
        if splitIndex >= index { first = splitIndex }
        if dividendIndex >= index { first = min(first, dividendIndex) }
        if specialIndex >= index { first = min(first, specialIndex) }
        return first
    }

    /// Applies the actions of session `index` to `factors`: the split, then the regular, then the special
    /// dividend. Every path (the universe's split triggers, a cursor built at a date, a cursor stepping) goes
    /// through here in date order, so they all sum the same terms in the same order, bit for bit.
    func apply(at index: Int, to factors: inout SimFactors) {
        if splitIndex == index { factors.logSplit += log(splitRatio) }
        if dividendIndex == index { factors.logDividend += log1p(-dividendYield) }
        if specialIndex == index { factors.logDividend += log1p(-specialYield) }
    }

    /// Applies every action dated in `indexes`, in date order.
    func apply(in indexes: Range<Int>, to factors: inout SimFactors) {
        var index = first(onOrAfter: indexes.lowerBound)
        while index < indexes.upperBound {
            apply(at: index, to: &factors)
            index = first(onOrAfter: index + 1)
        }
    }
}

/// The cumulative effect of a stock's corporate actions: how its as-traded price and share count stand against
/// the model's total-return price and share count.
struct SimFactors: Sendable {
    /// Sum of the log split ratios so far: shares are multiplied, prices divided, by its exponential.
    var logSplit = 0.0
    /// Sum of log(1 - yield) over the dividends so far: each ex-date's relative price drop.
    var logDividend = 0.0

    /// The log of the as-traded price over the model's price (0 until the first action).
    var logAdjustment: Double { logDividend - logSplit }
}
