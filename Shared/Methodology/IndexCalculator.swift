import Contracts
import TradingCalendar

/// The index methodology of DESIGN.md ("Index methodology") for one session: selection, weights, return and level.
///
/// All arithmetic is `Double`. The return R(d) is summed over C(p) in C(p)'s rank order and then divided by |C(p)|,
/// so the same inputs give the same bits whichever process computes them, and a rebuild reproduces a stored series
/// exactly.
package struct IndexCalculator: Sendable {
    /// The level of the base session.
    package static let baseLevel = 1000.0

    /// The index definition the results are labelled with.
    package let index: String
    /// N: how many of the largest stocks form C(d).
    package let size: Int

    /// A calculator for an index of `size` stocks (at least 1).
    package init(index: String = Subjects.defaultIndex, size: Int = 100) {
        precondition(size >= 1, "an index holds at least one stock")
        self.index = index
        self.size = size
    }

    /// Ranks a session's valid rows: market cap descending, ties broken by ticker in UTF-8 byte order (which is
    /// Unicode scalar order), ranks from 1.
    ///
    /// Rows are expected to have distinct tickers, finite positive closes and market caps (the validator guarantees
    /// it); otherwise only the first row of a ticker counts, and a row with an unusable close or market cap is left
    /// out, so neither can reach a number.
    package func rank(_ rows: [ValidRow]) -> [RankedRow] {
        var seen = Set<String>()
        let usable = rows.filter { row in
            row.close.isFinite && row.close > 0 && row.marketCap.isFinite && row.marketCap > 0
                && seen.insert(row.ticker).inserted
        }
        return usable.sorted(by: Self.ranksBefore).enumerated().map { RankedRow(rank: $0.offset + 1, row: $0.element) }
    }

    /// The result of session `date` from its valid rows and the previous index session's result.
    ///
    /// With no usable row the result is a retraction (no constituents, level and return 0, no previous date): `date`
    /// is not an index session. With `previous` nil (or a retraction) `date` is the base: level 1000, return 0.
    /// - Parameters:
    ///   - date: the session.
    ///   - rows: its valid rows.
    ///   - previous: the result of the previous index session p (strictly before `date`), nil at the base.
    ///   - sourceBatchID: the price batch `rows` came from.
    package func compute(
        date: SessionDate, rows: [ValidRow], previous: IndexResult?, sourceBatchID: String
    ) -> IndexResult {
        let ranked = rank(rows)
        guard !ranked.isEmpty else {
            return IndexResult(
                index: index, date: date, previousDate: nil, level: 0, dailyReturn: 0, constituents: [],
                sourceBatchID: sourceBatchID
            )
        }
        let selected = ranked.prefix(size)
        let weight = 1.0 / Double(selected.count)
        let constituents = selected.map {
            Constituent(
                ticker: $0.row.ticker, rank: $0.rank, weight: weight, marketCap: $0.row.marketCap, close: $0.row.close
            )
        }
        guard let previous, !previous.isRetraction else {
            return IndexResult(
                index: index, date: date, previousDate: nil, level: Self.baseLevel, dailyReturn: 0,
                constituents: constituents, sourceBatchID: sourceBatchID
            )
        }
        precondition(previous.date < date, "the previous index session must come before \(date)")
        let today = Dictionary(uniqueKeysWithValues: ranked.map { ($0.row.ticker, $0) })
        // In C(p) rank order, so the bits never depend on hashing or on who computes; a missing close adds r_i = 0.
        var sum = 0.0
        for held in previous.constituents {
            if let row = today[held.ticker]?.row {
                sum += row.close / held.close - 1
            }
        }
        let dailyReturn = sum / Double(previous.constituents.count)
        let selectedTickers = Set(constituents.map(\.ticker))
        let departures = previous.constituents.filter { !selectedTickers.contains($0.ticker) }.map { held in
            let ranked = today[held.ticker]
            return CompositionChange(ticker: held.ticker, rank: ranked?.rank, marketCap: ranked?.row.marketCap)
        }
        return IndexResult(
            index: index, date: date, previousDate: previous.date, level: previous.level * (1 + dailyReturn),
            dailyReturn: dailyReturn, constituents: constituents, previousTickers: previous.constituents.map(\.ticker),
            departures: departures, sourceBatchID: sourceBatchID
        )
    }

    /// Who entered and left the index at a result's session; nil for the base session and for a retraction.
    ///
    /// A non-base session always has an event, with empty lists when the composition did not change. `added` is
    /// C(d) \ C(p) in C(d) rank order with rank and market cap at d; `removed` is the result's departures.
    package func compositionEvent(for result: IndexResult) -> CompositionEvent? {
        guard !result.isRetraction, let previousDate = result.previousDate else { return nil }
        let previousTickers = Set(result.previousTickers)
        let added = result.constituents.filter { !previousTickers.contains($0.ticker) }.map {
            CompositionChange(ticker: $0.ticker, rank: $0.rank, marketCap: $0.marketCap)
        }
        return CompositionEvent(
            index: result.index, date: result.date, previousDate: previousDate, added: added,
            removed: result.departures
        )
    }

    /// The ranking order: market cap descending, then ticker in UTF-8 byte order.
    static func ranksBefore(_ lhs: ValidRow, _ rhs: ValidRow) -> Bool {
        if lhs.marketCap != rhs.marketCap { return lhs.marketCap > rhs.marketCap }
        return lhs.ticker.utf8.lexicographicallyPrecedes(rhs.ticker.utf8)
    }
}
