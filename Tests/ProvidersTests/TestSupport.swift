import Contracts
import Foundation
import Providers
import TradingCalendar

/// Markets shared by the suites; building one is cheap, generating from it is what costs.
enum Markets {
    /// A small universe for exhaustive comparisons.
    static let small = SimulatedMarket(tickers: 400, seed: 7)
    /// The default market (6,000 tickers, seed 42).
    static let standard = SimulatedMarket()
}

/// A date literal; traps on a typo.
func day(_ text: String) -> SessionDate {
    guard let date = SessionDate(text) else { preconditionFailure("bad date literal \(text)") }
    return date
}

/// Whether two optional doubles have the same bits (NaN equals NaN, -0 differs from 0).
func sameBits(_ lhs: Double?, _ rhs: Double?) -> Bool {
    switch (lhs, rhs) {
    case (nil, nil): true
    case (let left?, let right?): left.bitPattern == right.bitPattern
    default: false
    }
}

/// Whether two rows are bit-identical in every field.
func sameBits(_ lhs: PriceRow, _ rhs: PriceRow) -> Bool {
    lhs.date == rhs.date && lhs.ticker == rhs.ticker && sameBits(lhs.open, rhs.open) && sameBits(lhs.high, rhs.high)
        && sameBits(lhs.low, rhs.low) && sameBits(lhs.close, rhs.close) && sameBits(lhs.volume, rhs.volume)
        && sameBits(lhs.marketCap, rhs.marketCap) && sameBits(lhs.sharesOutstanding, rhs.sharesOutstanding)
}

/// Whether two row lists are bit-identical, in order.
func sameBits(_ lhs: [PriceRow], _ rhs: [PriceRow]) -> Bool {
    lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { sameBits($0, $1) }
}

/// The validator rule a row breaks (DESIGN.md "Validator rules", without the session and duplicate rules),
/// so the tests can count defects without depending on the validator target.
func defect(of row: PriceRow) -> String? {
    guard let close = row.close, close.isFinite, close > 0 else { return "bad_close" }
    let marketCap = row.marketCap ?? row.sharesOutstanding.map { $0 * close }
    guard let marketCap, marketCap.isFinite, marketCap > 0 else { return "bad_market_cap" }
    if let high = row.high, let low = row.low {
        if high < low { return "high_below_low" }
        if let open = row.open, open < low || open > high { return "price_outside_range" }
        if close < low || close > high { return "price_outside_range" }
    }
    if let volume = row.volume, volume < 0 { return "negative_volume" }
    return nil
}

/// A new scratch directory; the caller removes it.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("providers-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes `text` to `name` in `directory` and returns its URL.
func write(_ text: String, named name: String, in directory: URL) throws -> URL {
    let url = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url
}
