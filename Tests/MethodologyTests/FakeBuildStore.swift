import Contracts
import Methodology
import TradingCalendar

/// Storage in memory for the build engine: price batches as stored, and results applied from plans the way storage
/// applies them (upsert by date; a retraction deletes).
actor FakeBuildStore: BuildStore {
    /// The stored batch of each date.
    private var batches: [SessionDate: (batchID: String, rows: [ValidRow])] = [:]
    /// The stored results by date.
    private(set) var results: [SessionDate: IndexResult] = [:]
    /// The dates whose rows the engine fetched, in order.
    private(set) var rowFetches: [SessionDate] = []

    /// The accepted actions of each date's batch.
    private var actionsByDate: [SessionDate: [AcceptedAction]] = [:]
    /// The stock metadata of each date's batch.
    private var stocksByDate: [SessionDate: [StockInfo]] = [:]

    /// Stores (or replaces) a date's batch, its actions and stocks with it.
    func put(
        _ date: SessionDate, batchID: String, rows: [ValidRow], actions: [AcceptedAction] = [], stocks: [StockInfo] = []
    ) {
        batches[date] = (batchID, rows)
        actionsByDate[date] = actions
        stocksByDate[date] = stocks
    }

    /// Stores every result of a plan.
    func apply(_ plan: BuildPlan) {
        apply(plan.results[...])
    }

    /// Stores some results, as storage would if a publisher stopped half way through a plan.
    func apply(_ results: ArraySlice<IndexResult>) {
        for result in results {
            self.results[result.date] = result.isRetraction ? nil : result
        }
    }

    /// Loses a stored result, as if the result of a session had never been stored.
    func drop(_ date: SessionDate) {
        results[date] = nil
    }

    /// Forgets which rows were fetched.
    func resetFetches() {
        rowFetches = []
    }

    /// The dates with a stored batch, ascending.
    func deliveredDates() -> [SessionDate] {
        batches.keys.sorted()
    }

    /// The stored results, bit for bit.
    func snapshot() -> [SessionDate: String] {
        results.mapValues(bits)
    }

    func sessionRecords(from start: SessionDate, to end: SessionDate) -> [SessionRecord] {
        batches.keys.filter { start <= $0 && $0 <= end }.sorted().map { date in
            let batch = batches[date]!
            return SessionRecord(
                date: date, batchID: batch.batchID, source: "test", receivedRows: batch.rows.count,
                validRows: batch.rows.count, rejectedRows: 0, indexBatchID: results[date]?.sourceBatchID
            )
        }
    }

    func storedResult(on date: SessionDate) -> IndexResult? {
        results[date]
    }

    func rows(on date: SessionDate) -> (batchID: String, rows: [ValidRow])? {
        rowFetches.append(date)
        return batches[date]
    }

    func stocks(on date: SessionDate) -> [StockInfo] {
        stocksByDate[date, default: []]
    }

    func actions(after: SessionDate, through: SessionDate) -> [AcceptedAction] {
        actionsByDate.keys.filter { after < $0 && $0 <= through }.sorted().flatMap { actionsByDate[$0, default: []] }
    }
}
