import Contracts
import TradingCalendar

/// A definition's series computed in one pass, session after session in date order, from nothing stored: what
/// ``IndexBuildEngine`` computes for the same known sessions when the definition has no stored result, without
/// its per-session reads of stored results, so that a new definition's whole history is one walk over the stored
/// rows.
///
/// Feed it every known session from the base to the last one, without a gap (a gap makes the engine wait: the
/// caller builds such a series through the engine instead). A session without valid rows, or one before the
/// definition's first eligible row, is no index session: it gives no result and the next session's previous one
/// stays the same.
package struct IndexHistory: Sendable {
    /// Computes each session.
    package let calculator: IndexCalculator
    /// The last index session computed (the previous one of the next session); nil before the base.
    package private(set) var previous: IndexResult?

    /// A series with nothing computed yet.
    package init(calculator: IndexCalculator) {
        self.calculator = calculator
    }

    /// The result of the next session, nil when it is no index session of the definition.
    /// - Parameters:
    ///   - date: the session, after every session fed before.
    ///   - batchID: its current batch.
    ///   - rows: its valid rows (possibly none).
    ///   - store: where its stocks (for a definition whose universe is not all stocks) and the accepted actions
    ///     since the previous index session come from.
    package mutating func advance(
        date: SessionDate, batchID: String, rows: [ValidRow], store: some BuildStore
    ) async throws -> IndexResult? {
        var stocks: [StockInfo] = []
        if !calculator.definition.universe.isAll, !rows.isEmpty { stocks = try await store.stocks(on: date) }
        var actions: [AcceptedAction] = []
        if let previous, !rows.isEmpty {
            // From the earliest q_i: a carried member's actions since its last valid close count now.
            let since = previous.constituents.compactMap(\.lastCloseDate).reduce(previous.date, min)
            actions = try await store.actions(after: since, through: date)
        }
        let result = calculator.compute(
            date: date, rows: rows, stocks: stocks, previous: previous, actions: actions, sourceBatchID: batchID
        )
        guard !result.isRetraction else { return nil }
        previous = result
        return result
    }
}
