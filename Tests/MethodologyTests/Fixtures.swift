import Contracts
import Methodology
import TradingCalendar

/// Parses a test date literal, trapping on typos so a bad fixture cannot pass silently.
func day(_ text: String) -> SessionDate {
    guard let date = SessionDate(text) else { preconditionFailure("bad test date \(text)") }
    return date
}

/// A raw row with the fields a test cares about.
func price(
    _ date: String, _ ticker: String, open: Double? = nil, high: Double? = nil, low: Double? = nil,
    close: Double?, volume: Double? = nil, cap: Double?, shares: Double? = nil
) -> PriceRow {
    PriceRow(
        date: day(date), ticker: ticker, open: open, high: high, low: low, close: close, volume: volume,
        marketCap: cap, sharesOutstanding: shares
    )
}

/// A valid row with only close and market cap.
func valid(_ ticker: String, close: Double, cap: Double) -> ValidRow {
    ValidRow(ticker: ticker, open: nil, high: nil, low: nil, close: close, volume: nil, marketCap: cap)
}

/// Every number of a result as its bit pattern, so two results compare bit for bit (Double == would equate 0.0 and
/// -0.0 and never equate NaN).
func bits(_ result: IndexResult) -> String {
    func hex(_ value: Double) -> String { String(value.bitPattern, radix: 16) }
    func hex(_ value: Double?) -> String { value.map { hex($0) } ?? "nil" }
    let constituents = result.constituents.map {
        "\($0.ticker):\($0.rank):\(hex($0.weight)):\(hex($0.marketCap)):\(hex($0.close))"
            + ($0.lastCloseDate.map { ":\($0)" } ?? "")
    }
    let departures = result.departures.map { "\($0.ticker):\($0.rank.map(String.init) ?? "nil"):\(hex($0.marketCap))" }
    return [
        result.index, "\(result.date)", result.previousDate.map(\.description) ?? "nil", hex(result.level),
        hex(result.dailyReturn), constituents.joined(separator: ","), result.previousTickers.joined(separator: ","),
        departures.joined(separator: ","), result.sourceBatchID, result.replay.map { "\($0)" } ?? "nil",
        hex(result.turnover),
    ].joined(separator: "|")
}
