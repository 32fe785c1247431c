import Foundation
import TradingCalendar

// MARK: The price and share-count paths
//
// The log price of stock i after session k of year y is
//
//     anchor(i, y) + sum over sessions j of y up to k of x(i, j)
//     x(i, j) = drift(i) + beta(i) * market(j) + sector(s(i), j) + (e(i, j) + c(i, y))
//
// where e(i, j) is a hashed daily idiosyncratic shock (normal, plus a rare jump) and c(i, y) the Brownian-bridge
// correction (Y(i, y) - sum of e(i, j) over y) / sessions in y, which pins the year's idiosyncratic total to the
// hashed yearly shock Y(i, y). Because the anchors are built from the same yearly totals (SimUniverse.init), the
// path is continuous across year ends (up to rounding, ~1e-16) and its law is that of i.i.d. daily shocks, yet any
// session costs at most two passes over one year of hashes. Every code path sums in the same order, so a session
// is bit-identical whether generated alone or in a range starting anywhere.

extension SimUniverse {
    /// The idiosyncratic shock e(i, j) of stock `stock` on the session with day number `day`.
    @inline(__always)
    func idiosyncratic(_ stock: Int, day: Int32) -> Double {
        let bits = SimHash.draw(shockKey[stock], UInt64(UInt32(bitPattern: day)))
        var value = sigma[stock] * SimHash.normal(bits)
        // The low 11 bits are not part of the 53 the normal draw uses.
        if bits & 0x7FF < SimModel.jumpThreshold {
            value += SimModel.jumpSize * SimHash.normal(SimHash.mix(bits ^ 0x6A75_6D70))
        }
        return value
    }

    /// The bridge correction c(i, y) for stock `stock` and year offset `year`, whose yearly shock is `shock`.
    func correction(_ stock: Int, year: Int, shock: Double) -> Double {
        let start = schedule.yearStart[year]
        let end = schedule.yearStart[year + 1]
        var sum = 0.0
        for index in start..<end {
            sum += idiosyncratic(stock, day: schedule.sessions[index].dayNumber)
        }
        return (shock - sum) / Double(end - start)
    }

    /// The log return x(i, j) of stock `stock` over session index `index`, given its bridge correction.
    @inline(__always)
    func logReturn(_ stock: Int, index: Int, day: Int32, correction: Double) -> Double {
        drift[stock] + beta[stock] * market[index] + sectorReturn[sector[stock] * schedule.count + index]
            + (idiosyncratic(stock, day: day) + correction)
    }

    /// The share-count change of stock `stock` in quarter offset `quarter`, if it has one: the session index it
    /// takes effect and the change of log shares.
    func shareChange(_ stock: Int, quarter: Int) -> (index: Int, delta: Double)? {
        let bits = SimHash.draw(shareKey[stock], UInt64(quarter))
        guard SimHash.unit16(bits, shift: 0) < SimModel.shareChangeProbability else { return nil }
        let start = schedule.quarterStart[quarter]
        let length = schedule.quarterStart[quarter + 1] - start
        guard length > 0 else { return nil }
        // Changes show up in the earnings season, two to ten weeks into the quarter.
        let offset = min(10 + Int((bits >> 16) % 40), length - 1)
        let kind = SimHash.unit16(bits, shift: 32)
        let size = SimHash.unit16(bits, shift: 48)
        let change: Double
        if kind < SimModel.buybackShare {
            change = -(0.002 + 0.018 * size)
        } else if kind < 1 - SimModel.largeIssuanceShare {
            change = 0.003 + 0.03 * size
        } else {
            change = 0.08 + 0.2 * size
        }
        return (start + offset, log1p(change))
    }
}
