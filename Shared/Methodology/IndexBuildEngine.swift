import Contracts
import TradingCalendar

/// Decides what to compute when a session's valid prices arrive, so that the stored series never depends on the
/// order in which sessions arrive nor on how they are grouped into ranges.
///
/// A known session is an NYSE session with a stored batch, or the arrived one (whose arrived batch is taken as its
/// current batch); dates that are not NYSE sessions are ignored. An index session is a known session with at least one
/// valid row. The series runs from the earliest known session (the base) over every NYSE session after it:
/// - An unknown NYSE session between the base and the arrived session makes the build wait for it (nothing is
///   computed); an arrived session earlier than every known one becomes the base.
/// - Computing starts at the arrived session, or earlier at the first known session before it whose stored result is
///   missing, not computed from its current batch, or (for a session without valid rows) still stored; and earlier
///   still if the previous index session's stored result turns out missing.
/// - It goes forward through later known sessions while they are contiguous (it stops before an unknown session,
///   reported as ``BuildPlan/blockedBy``). A later session whose batch, previous index session and previous basket
///   (tickers in rank order, their closes, weights, market caps and carried close dates) are unchanged keeps its stored return and
///   composition and only gets a new level; any other is recomputed from its stored rows. After the arrived session,
///   once a result is unchanged (and no later session still needs work) everything after it is unchanged too, and the
///   build stops; except while a member's price is carried from before the arrived session: its next return counts
///   the arrived session's actions, so the sessions after it are recomputed until no such member remains.
/// - A session without valid rows that still has a stored result gets a retraction; so does one with valid rows
///   before the definition's first eligible row (its universe admits none of them): it is no session of the index.
///
/// Results carry no replay mark (the service sets it) and are compared with stored ones ignoring it.
package struct IndexBuildEngine: Sendable {
    /// Computes each session.
    package let calculator: IndexCalculator
    /// Says which dates are sessions and finds gaps.
    package let calendar: NYSECalendar

    /// An engine.
    package init(calculator: IndexCalculator, calendar: NYSECalendar = .standard) {
        self.calculator = calculator
        self.calendar = calendar
    }

    /// What a known session's record says.
    private struct Known {
        var batchID: String
        var validRows: Int
        var indexBatchID: String?

        /// Whether the stored result is missing or stale (or, without valid rows, still there).
        var needsWork: Bool { validRows > 0 ? indexBatchID != batchID : indexBatchID != nil }
    }

    /// The results to publish now that `date`'s batch arrived, in date order.
    /// - Parameters:
    ///   - date: the session whose batch arrived.
    ///   - batchID: the batch.
    ///   - rows: its valid rows (possibly none).
    ///   - actions: its accepted corporate actions (they replace whatever the store holds for `date`).
    ///   - stocks: its stock metadata (read only when the definition's universe is not all stocks).
    ///   - store: storage, read only.
    ///   - mode: how much of the stored series to trust.
    package func build(
        arrived date: SessionDate, batchID: String, rows: [ValidRow], actions arrivedActions: [AcceptedAction] = [],
        stocks arrivedStocks: [StockInfo] = [], store: some BuildStore, mode: BuildMode = .incremental
    ) async throws -> BuildPlan {
        guard calendar.isSession(date) else { return BuildPlan(status: .notASession) }
        var known: [SessionDate: Known] = [:]
        // The known dates in ascending order, collected as they come: a store answers in date order, so sorting is
        // needed only when it did not or when the arrived date is new and earlier than the last known one. (Sorting
        // the dictionary's keys on every build cost the back-fill a sort of every session per session.)
        var dates: [SessionDate] = []
        let coverage = NYSECalendar.coverage
        let records = try await store.sessionRecords(from: coverage.lowerBound, to: coverage.upperBound)
        known.reserveCapacity(records.count + 1)
        dates.reserveCapacity(records.count + 1)
        for record in records where calendar.isSession(record.date) {
            let info = Known(batchID: record.batchID, validRows: record.validRows, indexBatchID: record.indexBatchID)
            if known.updateValue(info, forKey: record.date) == nil { dates.append(record.date) }
        }
        let arrived = Known(batchID: batchID, validRows: rows.count, indexBatchID: known[date]?.indexBatchID)
        if known.updateValue(arrived, forKey: date) == nil { dates.append(date) }
        if zip(dates, dates.dropFirst()).contains(where: { $0 >= $1 }) { dates.sort() }
        guard let base = dates.first, let last = dates.last else { return BuildPlan(status: .built) }

        // "A session that a vendor failed to deliver is not skipped: the build waits for it."
        if let missing = calendar.sessions(from: base, to: date).first(where: { known[$0] == nil }) {
            return BuildPlan(status: .waiting(for: missing))
        }

        var start: SessionDate
        switch mode {
        case .incremental:
            start = dates.first { $0 < date && known[$0]?.needsWork == true } ?? date
        case .rebuild:
            start = base
        }
        var previous: IndexResult?
        while let candidate = dates.last(where: { $0 < start && (known[$0]?.validRows ?? 0) > 0 }) {
            if mode == .incremental, let stored = try await store.storedResult(on: candidate).map(Self.normalized),
                !stored.isRetraction, stored.sourceBatchID == known[candidate]?.batchID
            {
                previous = stored
                break
            }
            start = candidate
        }

        let lastNeedingWork = dates.last { $0 > date && known[$0]?.needsWork == true }
        var plan = BuildPlan(status: .built)
        // The stored result that `previous` replaces: a later session's stored return is reusable only if it was
        // computed against the same basket.
        var previousStored = previous
        // The arrived session's actions count in the next index session's return when the arrived session is no
        // index session, or in a later one while a member's price is carried from before it: that return cannot be
        // reused, nor can the build stop before it.
        var recomputeNext = false
        let filtered = !calculator.definition.universe.isAll
        for session in calendar.sessions(from: start, to: last) {
            guard let info = known[session] else {
                plan.blockedBy = session  // only after `date`: the gap check above covers the rest
                break
            }
            let stored = try await store.storedResult(on: session).map(Self.normalized)
            let result: IndexResult
            if mode == .incremental, session != date, !recomputeNext,
                let reused = reuse(stored, info: info, previous: previous, previousStored: previousStored)
            {
                result = reused
            } else {
                let input: (batchID: String, rows: [ValidRow])
                if session == date {
                    input = (batchID, rows)
                } else if info.validRows == 0 {
                    input = (info.batchID, [])  // nothing to fetch: the session is no index session
                } else {
                    guard let fetched = try await store.rows(on: session) else {
                        throw IndexBuildError.rowsUnavailable(session)
                    }
                    input = fetched
                }
                var stocks: [StockInfo] = []
                if filtered, !input.rows.isEmpty {
                    stocks = session == date ? arrivedStocks : try await store.stocks(on: session)
                }
                var actions: [AcceptedAction] = []
                if let previous, !previous.isRetraction, !input.rows.isEmpty {
                    // From the earliest q_i: a carried member's actions since its last valid close count now.
                    let since = previous.constituents.compactMap(\.lastCloseDate).reduce(previous.date, min)
                    actions = try await store.actions(after: since, through: session)
                    if since < date && date <= session {
                        // The arrived batch's actions replace the stored ones of its date, in date order.
                        actions =
                            actions.filter { $0.date < date } + arrivedActions.filter { $0.date == date }
                            + actions.filter { $0.date > date }
                    }
                }
                result = calculator.compute(
                    date: session, rows: input.rows, stocks: stocks, previous: previous, actions: actions,
                    sourceBatchID: input.batchID
                )
            }
            if result.isRetraction {
                if session == date { recomputeNext = true }
                // Not an index session: the next one's previous session stays the same.
                if stored != nil { plan.results.append(result) }
                continue
            }
            recomputeNext = session >= date && result.constituents.contains { ($0.lastCloseDate ?? date) < date }
            if !Self.identical(result, stored) {
                plan.results.append(result)
            } else if mode == .incremental, session > date, !recomputeNext,
                lastNeedingWork.map({ session >= $0 }) ?? true
            {
                break
            }
            previous = result
            previousStored = stored
        }
        return plan
    }

    /// The stored result with only its level recomputed, when its return and composition provably still hold.
    private func reuse(
        _ stored: IndexResult?, info: Known, previous: IndexResult?, previousStored: IndexResult?
    ) -> IndexResult? {
        guard let stored, !stored.isRetraction, info.validRows > 0, stored.index == calculator.index,
            stored.sourceBatchID == info.batchID, stored.previousDate == previous?.date
        else { return nil }
        guard let previous else {
            // A base result depends on its own rows only.
            let isBase =
                stored.level.bitPattern == calculator.baseLevel.bitPattern && stored.dailyReturn == 0
                && stored.previousTickers.isEmpty
                && stored.departures.isEmpty
            return isBase ? stored : nil
        }
        guard let previousStored, Self.sameBasket(previous, previousStored),
            stored.previousTickers == previous.constituents.map(\.ticker)
        else { return nil }
        var result = stored
        result.level = previous.level * (1 + stored.dailyReturn)
        return result
    }

    /// Whether two results hold the same tickers in the same rank order at bit-identical closes, weights and market
    /// caps (a member carried at the next session keeps its cap), with the same carried close dates: the next
    /// session's return, weights, composition, departures and previous tickers depend on nothing else of them.
    private static func sameBasket(_ lhs: IndexResult, _ rhs: IndexResult) -> Bool {
        lhs.constituents.count == rhs.constituents.count
            && zip(lhs.constituents, rhs.constituents).allSatisfy {
                $0.ticker == $1.ticker && $0.close.bitPattern == $1.close.bitPattern
                    && $0.weight.bitPattern == $1.weight.bitPattern && $0.lastCloseDate == $1.lastCloseDate
                    && $0.marketCap.bitPattern == $1.marketCap.bitPattern
            }
    }

    /// Whether two results are equal bit for bit (`==` on `Double` equates 0.0 with -0.0 and never equates NaN).
    private static func identical(_ lhs: IndexResult, _ rhs: IndexResult?) -> Bool {
        guard let rhs else { return false }
        func same(_ lhs: Double?, _ rhs: Double?) -> Bool { lhs?.bitPattern == rhs?.bitPattern }
        return lhs.index == rhs.index && lhs.date == rhs.date && lhs.previousDate == rhs.previousDate
            && same(lhs.level, rhs.level) && same(lhs.dailyReturn, rhs.dailyReturn)
            && lhs.previousTickers == rhs.previousTickers && lhs.sourceBatchID == rhs.sourceBatchID
            && lhs.replay == rhs.replay && same(lhs.turnover, rhs.turnover)
            && lhs.constituents.count == rhs.constituents.count
            && zip(lhs.constituents, rhs.constituents).allSatisfy {
                $0.ticker == $1.ticker && $0.rank == $1.rank && same($0.weight, $1.weight)
                    && same($0.marketCap, $1.marketCap) && same($0.close, $1.close)
                    && $0.lastCloseDate == $1.lastCloseDate
            }
            && lhs.departures.count == rhs.departures.count
            && zip(lhs.departures, rhs.departures).allSatisfy {
                $0.ticker == $1.ticker && $0.rank == $1.rank && same($0.marketCap, $1.marketCap)
            }
    }

    /// A stored result without its replay mark, to compare with computed ones.
    private static func normalized(_ result: IndexResult) -> IndexResult {
        var result = result
        result.replay = nil
        return result
    }
}
