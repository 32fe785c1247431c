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
    /// Price return (special dividends count) or total return (every dividend counts).
    package let returnKind: IndexDefinition.ReturnKind

    /// A calculator for an index of `size` stocks (at least 1).
    package init(index: String = Indexes.defaultID, size: Int = 100, returnKind: IndexDefinition.ReturnKind = .price) {
        precondition(size >= 1, "an index holds at least one stock")
        self.index = index
        self.size = size
        self.returnKind = returnKind
    }

    /// The calculator of a built-in definition (equal weights, rebalanced at every close).
    package init(definition: IndexDefinition) {
        self.init(index: definition.id, size: definition.size, returnKind: definition.returnKind)
    }

    /// Ranks a session's valid rows: market cap descending, ties broken by ticker in UTF-8 byte order (which is
    /// Unicode scalar order), ranks from 1.
    ///
    /// Rows are expected to have distinct tickers, finite positive closes and market caps (the validator guarantees
    /// it); otherwise only the first row of a ticker counts, and a row with an unusable close or market cap is left
    /// out, so neither can reach a number.
    package func rank(_ rows: [ValidRow]) -> [RankedRow] {
        rankedIndices(rows).enumerated().map { RankedRow(rank: $0.offset + 1, row: rows[$0.element]) }
    }

    /// The indices of the usable rows in rank order (see ``rank(_:)``); sorting indices rather than rows keeps a
    /// 5,000-row session from copying its rows around.
    func rankedIndices(_ rows: [ValidRow]) -> [Int] {
        var seen = Set<String>(minimumCapacity: rows.count)
        var usable: [Int] = []
        usable.reserveCapacity(rows.count)
        for (index, row) in rows.enumerated()
        where row.close.isFinite && row.close > 0 && row.marketCap.isFinite && row.marketCap > 0
            && seen.insert(row.ticker).inserted
        {
            usable.append(index)
        }
        return rows.withUnsafeBufferPointer { rows in
            // The same order as `ranksBefore`, reading fields in place instead of copying rows.
            usable.sorted { left, right in
                let leftCap = rows[left].marketCap
                let rightCap = rows[right].marketCap
                if leftCap != rightCap { return leftCap > rightCap }
                return rows[left].ticker.utf8.lexicographicallyPrecedes(rows[right].ticker.utf8)
            }
        }
    }

    /// The result of session `date` from its valid rows and the previous index session's result.
    ///
    /// With no usable row the result is a retraction (no constituents, level and return 0, no previous date): `date`
    /// is not an index session. With `previous` nil (or a retraction) `date` is the base: level 1000, return 0.
    /// - Parameters:
    ///   - date: the session.
    ///   - rows: its valid rows.
    ///   - previous: the result of the previous index session p (strictly before `date`), nil at the base.
    ///   - actions: the accepted corporate actions dated in (p, `date`]; others are ignored.
    ///   - sourceBatchID: the price batch `rows` came from.
    package func compute(
        date: SessionDate, rows: [ValidRow], previous: IndexResult?, actions: [AcceptedAction] = [],
        sourceBatchID: String
    ) -> IndexResult {
        let order = rankedIndices(rows)
        guard !order.isEmpty else {
            return IndexResult(
                index: index, date: date, previousDate: nil, level: 0, dailyReturn: 0, constituents: [],
                sourceBatchID: sourceBatchID
            )
        }
        let selected = order.prefix(size)
        let weight = 1.0 / Double(selected.count)
        let constituents = selected.enumerated().map { rank, row in
            Constituent(
                ticker: rows[row].ticker, rank: rank + 1, weight: weight, marketCap: rows[row].marketCap,
                close: rows[row].close
            )
        }
        guard let previous, !previous.isRetraction else {
            return IndexResult(
                index: index, date: date, previousDate: nil, level: Self.baseLevel, dailyReturn: 0,
                constituents: constituents, sourceBatchID: sourceBatchID
            )
        }
        precondition(previous.date < date, "the previous index session must come before \(date)")
        // Each member of C(p): its usable row at d (nil when it has none) and that row's rank.
        let heldPosition = Dictionary(
            previous.constituents.enumerated().map { ($0.element.ticker, $0.offset) },
            uniquingKeysWith: { first, _ in first }
        )
        var today = [(row: Int, rank: Int)?](repeating: nil, count: previous.constituents.count)
        for (rank, row) in order.enumerated() {
            if let position = heldPosition[rows[row].ticker] { today[position] = (row, rank + 1) }
        }
        let adjustments = ActionAdjustment.byTicker(
            actions.filter { previous.date < $0.date && $0.date <= date }, returnKind: returnKind
        )
        // In C(p) rank order, so the bits never depend on hashing or on who computes; a missing close adds r_i = 0.
        var sum = 0.0
        var memberReturns = [Double](repeating: 0, count: previous.constituents.count)
        for (position, held) in previous.constituents.enumerated() {
            if let row = today[position]?.row {
                if let adjustment = adjustments[held.ticker] {
                    memberReturns[position] = adjustment.adjusted(close: rows[row].close) / held.close - 1
                } else {
                    memberReturns[position] = rows[row].close / held.close - 1
                }
                sum += memberReturns[position]
            }
        }
        let dailyReturn = sum / Double(previous.constituents.count)
        let turnover = Self.turnover(
            previous: previous.constituents, returns: memberReturns, dailyReturn: dailyReturn, target: constituents
        )
        let selectedTickers = Set(constituents.map(\.ticker))
        let departures = previous.constituents.enumerated().filter { !selectedTickers.contains($0.element.ticker) }
            .map { position, held in
                let found = today[position]
                return CompositionChange(
                    ticker: held.ticker, rank: found?.rank, marketCap: found.map { rows[$0.row].marketCap }
                )
            }
        return IndexResult(
            index: index, date: date, previousDate: previous.date, level: previous.level * (1 + dailyReturn),
            dailyReturn: dailyReturn, constituents: constituents, previousTickers: previous.constituents.map(\.ticker),
            departures: departures, sourceBatchID: sourceBatchID, turnover: turnover
        )
    }

    /// `0.5 * sum over all i of |target_i - drift_i|` with `drift_i = w_i(p) * (1 + r_i) / (1 + R)` for i in C(p) and
    /// 0 otherwise, target_i 0 for i not in C(d); summed over C(p) in its rank order, then the entrants in C(d)'s.
    static func turnover(
        previous: [Constituent], returns: [Double], dailyReturn: Double, target: [Constituent]
    ) -> Double {
        var targets = Dictionary(target.map { ($0.ticker, $0.weight) }, uniquingKeysWith: { first, _ in first })
        var sum = 0.0
        for (position, held) in previous.enumerated() {
            let drift = held.weight * (1 + returns[position]) / (1 + dailyReturn)
            sum += abs((targets.removeValue(forKey: held.ticker) ?? 0) - drift)
        }
        for member in target where targets[member.ticker] != nil {
            sum += member.weight
        }
        return 0.5 * sum
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
            removed: result.departures, turnover: result.turnover
        )
    }

    /// The ranking order: market cap descending, then ticker in UTF-8 byte order.
    static func ranksBefore(_ lhs: ValidRow, _ rhs: ValidRow) -> Bool {
        if lhs.marketCap != rhs.marketCap { return lhs.marketCap > rhs.marketCap }
        return lhs.ticker.utf8.lexicographicallyPrecedes(rhs.ticker.utf8)
    }
}
