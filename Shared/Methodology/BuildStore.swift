import Contracts
import TradingCalendar

/// What the build engine reads from storage, for one index definition.
///
/// The engine assumes read-your-writes: every result of every plan it returned before has been stored (upserted,
/// retractions deleting) by the time it builds again. A service that publishes plans through a broker waits for
/// storage to catch up before the next build, and after a crash that may have stored only part of a plan builds
/// in ``BuildMode/rebuild`` mode.
package protocol BuildStore: Sendable {
    /// The records of the dates in `start...end` that have a stored price batch, in date order.
    func sessionRecords(from start: SessionDate, to end: SessionDate) async throws -> [SessionRecord]
    /// The stored index result of `date`; nil when none is stored.
    func storedResult(on date: SessionDate) async throws -> IndexResult?
    /// The stored valid rows of `date` and the batch they came from; nil when no batch is stored for it.
    func rows(on date: SessionDate) async throws -> (batchID: String, rows: [ValidRow])?
    /// The stock metadata (ticker, name, sector, exchange) of `date`'s stored batch: what decides which of its rows
    /// are in a definition's universe. Empty when none is stored for it; a ticker without an entry has no metadata.
    /// The engine asks only for a definition whose universe is not all stocks, and only for a date with valid rows.
    func stocks(on date: SessionDate) async throws -> [StockInfo]
    /// The accepted corporate actions dated in (`after`, `through`] of the current batches (an arrived batch's own
    /// actions included), in date order and each date's provider order.
    func actions(after: SessionDate, through: SessionDate) async throws -> [AcceptedAction]
}
