import Contracts
import TradingCalendar

/// The index methodology of DESIGN.md ("Index methodology") for one session of one definition: eligibility,
/// selection with the buffer, target or drifted weights, return, level and turnover.
///
/// All arithmetic is `Double` and every sum runs in a fixed order (C(p)'s rank order, then C(d)'s), so the same
/// inputs give the same bits whichever process computes them, and a rebuild reproduces a stored series exactly. When
/// every weight of C(p) is 1 / |C(p)| the return R(d) is summed over C(p) and then divided by |C(p)|: the bits of the
/// equal-weighted, daily series computed before weights could differ.
package struct IndexCalculator: Sendable {
    /// The definition computed.
    package let definition: IndexDefinition
    /// Says which session follows a session, for the rebalance schedule.
    package let calendar: NYSECalendar

    /// The index definition the results are labelled with.
    package var index: String { definition.id }
    /// N: at most this many constituents.
    package var size: Int { definition.size }
    /// Price return (special dividends count) or total return (every dividend counts).
    package var returnKind: IndexDefinition.ReturnKind { definition.returnKind }
    /// The level of the base session.
    package var baseLevel: Double { definition.baseLevel }

    /// An equal-weighted index of `size` stocks (at least 1) rebalanced at every close, base level 1000.
    package init(index: String = Indexes.defaultID, size: Int = 100, returnKind: IndexDefinition.ReturnKind = .price) {
        self.init(definition: IndexDefinition(id: index, size: size, returnKind: returnKind))
    }

    /// The calculator of a definition (its size at least 1) over the NYSE calendar.
    package init(definition: IndexDefinition) {
        self.init(definition: definition, calendar: .standard)
    }

    /// The calculator of a definition (its size at least 1) over `calendar`.
    package init(definition: IndexDefinition, calendar: NYSECalendar) {
        precondition(definition.size >= 1, "an index holds at least one stock")
        self.definition = definition
        self.calendar = calendar
    }

    /// Ranks a session's valid rows: market cap descending, ties broken by ticker in UTF-8 byte order (which is
    /// Unicode scalar order), ranks from 1. Every usable row is ranked, whatever the definition's universe.
    ///
    /// Rows are expected to have distinct tickers, finite positive closes and market caps (the validator guarantees
    /// it); otherwise only the first row of a ticker counts, and a row with an unusable close or market cap is left
    /// out, so neither can reach a number.
    package func rank(_ rows: [ValidRow]) -> [RankedRow] {
        rankedIndices(rows).enumerated().map { RankedRow(rank: $0.offset + 1, row: rows[$0.element]) }
    }

    /// The indices of the usable rows in rank order (see ``rank(_:)``); sorting indices rather than rows keeps a
    /// 5,000-row session from copying its rows around. `tickersAscending`: the rows' tickers are ASCII in strictly
    /// ascending order (storage's order), hence distinct, and need no set to keep the first of each.
    func rankedIndices(_ rows: [ValidRow], tickersAscending: Bool? = nil) -> [Int] {
        let distinct = tickersAscending ?? Self.tickersAscending(rows)
        var seen = Set<String>(minimumCapacity: distinct ? 0 : rows.count)
        var usable: [Int] = []
        usable.reserveCapacity(rows.count)
        for (index, row) in rows.enumerated()
        where row.close.isFinite && row.close > 0 && row.marketCap.isFinite && row.marketCap > 0
            && (distinct || seen.insert(row.ticker).inserted)
        {
            usable.append(index)
        }
        if distinct {
            // Rows in ticker order: a tie on market cap is broken by the row index, and a positive finite market
            // cap orders as its bit pattern. So the order is that of plain integer pairs, which sort about twice as
            // fast as pairs whose comparison reaches into the rows for the tickers.
            let keys = usable.map { RankKey(descendingCap: ~rows[$0].marketCap.bitPattern, row: $0) }
            return RankKey.sortedByCap(keys).map(\.row)
        }
        // The same order as `ranksBefore`, sorting (market cap, row) pairs side by side in memory rather than row
        // indices that each comparison follows into the rows.
        var keys = usable.map { (cap: rows[$0].marketCap, row: $0) }
        rows.withUnsafeBufferPointer { rows in
            keys.sort { left, right in
                if left.cap != right.cap { return left.cap > right.cap }
                return TickerOrder.precedes(rows[left.row].ticker, rows[right.row].ticker)
            }
        }
        return keys.map(\.row)
    }

    /// Whether every ticker is ASCII and comes after the one before in byte order: then no ticker is there twice,
    /// even by Unicode's canonical equivalence (which a `Set` or a `Dictionary` of tickers goes by).
    package static func tickersAscending(_ rows: [ValidRow]) -> Bool {
        rows.withUnsafeBufferPointer { rows in
            for index in rows.indices {
                var ticker = rows[index].ticker
                guard ticker.withUTF8({ $0.allSatisfy { $0 < 0x80 } }) else { return false }
                if index > 0 && !TickerOrder.precedes(rows[index - 1].ticker, ticker) { return false }
            }
            return true
        }
    }

    /// The index of the row of `ticker` in rows whose tickers are ASCII and strictly ascending (binary search); nil
    /// if none.
    static func row(of ticker: String, inAscending rows: [ValidRow]) -> Int? {
        var low = 0
        var high = rows.count
        while low < high {
            let middle = (low + high) / 2
            if TickerOrder.precedes(rows[middle].ticker, ticker) {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low < rows.count && rows[low].ticker == ticker ? low : nil
    }

    /// Each member of C(p) at d: its usable row (nil when it has none) and its rank among the eligible stocks (nil
    /// when not eligible). `order` and `eligible` are the usable and the eligible rows in rank order.
    func locate(
        _ held: [Constituent], heldPosition: [String: Int], rows: [ValidRow], order: [Int], eligible: [Int],
        tickersAscending: Bool
    ) -> (row: [Int?], rank: [Int?]) {
        var todayRow = [Int?](repeating: nil, count: held.count)
        var todayRank = [Int?](repeating: nil, count: held.count)
        guard tickersAscending else {
            // A lookup per row; the first member of a ticker (constituents are distinct) gets it.
            for row in order {
                if let position = heldPosition[rows[row].ticker] { todayRow[position] = row }
            }
            for (offset, row) in eligible.enumerated() {
                if let position = heldPosition[rows[row].ticker] { todayRank[position] = offset + 1 }
            }
            return (todayRow, todayRank)
        }
        // A binary search per member, and each row's place in the two orders.
        var usableAt = [Int](repeating: -1, count: rows.count)
        for (offset, row) in order.enumerated() { usableAt[row] = offset }
        var eligibleAt = usableAt
        if eligible.count != order.count {
            eligibleAt = [Int](repeating: -1, count: rows.count)
            for (offset, row) in eligible.enumerated() { eligibleAt[row] = offset }
        }
        for (position, member) in held.enumerated() where heldPosition[member.ticker] == position {
            guard let row = Self.row(of: member.ticker, inAscending: rows) else { continue }
            if usableAt[row] >= 0 { todayRow[position] = row }
            if eligibleAt[row] >= 0 { todayRank[position] = eligibleAt[row] + 1 }
        }
        return (todayRow, todayRank)
    }

    /// The usable rows (in rank order, as `order` gives them) whose stock is in the definition's universe.
    func eligible(_ order: [Int], rows: [ValidRow], stocks: [StockInfo]) -> [Int] {
        let universe = definition.universe
        guard !universe.isAll else { return order }
        let metadata = Dictionary(stocks.map { ($0.ticker, $0) }, uniquingKeysWith: { first, _ in first })
        return order.filter { row in
            let stock = metadata[rows[row].ticker]
            return universe.admits(sector: stock?.sector, exchange: stock?.exchange)
        }
    }

    /// Whether index session `date` is a rebalance session of the definition: every session for `daily`; otherwise
    /// when the next NYSE session (from the calendar, even past the data) falls in another ISO week, calendar month
    /// or calendar quarter. Past the calendar's coverage the next session is taken to be in another period.
    package func isRebalanceSession(_ date: SessionDate) -> Bool {
        if definition.rebalance == .daily { return true }
        guard let next = calendar.nextSession(after: date) else { return true }
        switch definition.rebalance {
        case .daily:
            return true
        case .weekly:
            return Self.isoWeekMonday(date) != Self.isoWeekMonday(next)
        case .monthly:
            return date.year != next.year || date.month != next.month
        case .quarterly:
            return date.year != next.year || (date.month - 1) / 3 != (next.month - 1) / 3
        }
    }

    /// The Monday of the ISO week holding `date` (ISO weeks run Monday to Sunday).
    static func isoWeekMonday(_ date: SessionDate) -> SessionDate {
        date.adding(days: -((date.weekday.rawValue + 6) % 7))
    }

    /// The result of session `date` from its valid rows and the previous index session's result.
    ///
    /// With no usable row the result is a retraction (no constituents, level and return 0, no previous date): `date`
    /// is not an index session. With `previous` nil (or a retraction) `date` is the base: C is the first N eligible
    /// stocks at their target weights, level `base_level`, return 0; without an eligible row it is no session of the
    /// definition yet, and the result is a retraction too.
    ///
    /// At a rebalance session with an eligible row, C(d) is selected (buffer included) at its target weights, with
    /// turnover and departures; at any other session, and at a rebalance session without an eligible row, the
    /// membership stays C(p) with drifted weights, no turnover (nil) and no departures.
    ///
    /// A constituent's rank is its rank among the definition's eligible stocks of `date`; at a session that is not a
    /// rebalance, members without an eligible row (carried, or out of the universe) are numbered after every eligible
    /// stock, in C(p)'s order, so ranks stay distinct and the constituents are always in rank order.
    /// - Parameters:
    ///   - date: the session.
    ///   - rows: its valid rows.
    ///   - stocks: the metadata of its stocks (only read when the universe is not all stocks).
    ///   - previous: the result of the previous index session p (strictly before `date`), nil at the base.
    ///   - actions: the accepted corporate actions dated in (q, `date`], q the earliest of p and the members' carried
    ///     close dates; each member counts only its own in (q_i, `date`].
    ///   - sourceBatchID: the price batch `rows` came from.
    package func compute(
        date: SessionDate, rows: [ValidRow], stocks: [StockInfo] = [], previous: IndexResult?,
        actions: [AcceptedAction] = [], sourceBatchID: String
    ) -> IndexResult {
        let ascending = Self.tickersAscending(rows)
        let order = rankedIndices(rows, tickersAscending: ascending)
        let eligible = order.isEmpty ? [] : eligible(order, rows: rows, stocks: stocks)
        guard let previous, !previous.isRetraction else {
            guard !eligible.isEmpty else { return retraction(date: date, sourceBatchID: sourceBatchID) }
            let selected = Array(eligible.prefix(size).enumerated().map { (rank: $0.offset + 1, row: $0.element) })
            return IndexResult(
                index: index, date: date, previousDate: nil, level: baseLevel, dailyReturn: 0,
                constituents: targets(selected, rows: rows), sourceBatchID: sourceBatchID
            )
        }
        guard !order.isEmpty else { return retraction(date: date, sourceBatchID: sourceBatchID) }
        precondition(previous.date < date, "the previous index session must come before \(date)")
        let held = previous.constituents
        // Each member of C(p): its usable row at d (nil when it has none) and its rank among the eligible stocks.
        let heldPosition = Dictionary(
            held.enumerated().map { ($0.element.ticker, $0.offset) }, uniquingKeysWith: { first, _ in first }
        )
        let (todayRow, todayRank) = locate(
            held, heldPosition: heldPosition, rows: rows, order: order, eligible: eligible,
            tickersAscending: ascending)
        let returns = memberReturns(held, previousDate: previous.date, date: date, rows: rows, today: todayRow, actions)
        let dailyReturn = Self.dailyReturn(held, returns: returns, present: todayRow.map { $0 != nil })
        let level = previous.level * (1 + dailyReturn)

        guard isRebalanceSession(date), !eligible.isEmpty else {
            // The membership stays C(p), weights drift; a member without a valid close keeps its carried close.
            var unranked = eligible.count
            let drifted = held.enumerated().map { position, member in
                var member = member
                member.weight = member.weight * (1 + returns[position]) / (1 + dailyReturn)
                if let rank = todayRank[position] {
                    member.rank = rank
                } else {
                    unranked += 1
                    member.rank = unranked
                }
                if let row = todayRow[position] {
                    member.close = rows[row].close
                    member.marketCap = rows[row].marketCap
                    member.lastCloseDate = nil
                } else {
                    member.lastCloseDate = member.lastCloseDate ?? previous.date
                }
                return member
            }
            return IndexResult(
                index: index, date: date, previousDate: previous.date, level: level, dailyReturn: dailyReturn,
                constituents: drifted.sorted { $0.rank < $1.rank }, previousTickers: held.map(\.ticker),
                sourceBatchID: sourceBatchID
            )
        }

        let constituents = targets(select(eligible, rows: rows, held: heldPosition), rows: rows)
        let turnover = Self.turnover(previous: held, returns: returns, dailyReturn: dailyReturn, target: constituents)
        let selectedTickers = Set(constituents.map(\.ticker))
        let departures = held.enumerated().filter { !selectedTickers.contains($0.element.ticker) }
            .map { position, member in
                CompositionChange(
                    ticker: member.ticker, rank: todayRank[position],
                    marketCap: todayRow[position].map { rows[$0].marketCap }
                )
            }
        return IndexResult(
            index: index, date: date, previousDate: previous.date, level: level, dailyReturn: dailyReturn,
            constituents: constituents, previousTickers: held.map(\.ticker), departures: departures,
            sourceBatchID: sourceBatchID, turnover: turnover
        )
    }

    private func retraction(date: SessionDate, sourceBatchID: String) -> IndexResult {
        IndexResult(
            index: index, date: date, previousDate: nil, level: 0, dailyReturn: 0, constituents: [],
            sourceBatchID: sourceBatchID
        )
    }

    /// C(d) at a rebalance with eligible rows: the members of C(p) ranked at most N + b, in rank order (at most N),
    /// then the best-ranked others up to N; as (rank among the eligible, row), in rank order.
    func select(_ eligible: [Int], rows: [ValidRow], held: [String: Int]) -> [(rank: Int, row: Int)] {
        let limit = size + definition.buffer
        var chosen = [Bool](repeating: false, count: eligible.count)
        var count = 0
        for (offset, row) in eligible.enumerated() where offset < limit && count < size {
            if held[rows[row].ticker] != nil {
                chosen[offset] = true
                count += 1
            }
        }
        for offset in eligible.indices where count < size && !chosen[offset] {
            chosen[offset] = true
            count += 1
        }
        return eligible.enumerated().filter { chosen[$0.offset] }.map { (rank: $0.offset + 1, row: $0.element) }
    }

    /// The selected stocks as constituents at the definition's target weights.
    func targets(_ selected: [(rank: Int, row: Int)], rows: [ValidRow]) -> [Constituent] {
        let weights: [Double]
        switch definition.weighting {
        case .equal:
            weights = [Double](repeating: 1.0 / Double(selected.count), count: selected.count)
        case .marketCap:
            weights = Self.marketCapWeights(selected.map { rows[$0.row].marketCap })
        case .cappedMarketCap:
            weights = Self.cappedWeights(selected.map { rows[$0.row].marketCap }, cap: definition.cap ?? 1)
        }
        return zip(selected, weights).map { pick, weight in
            Constituent(
                ticker: rows[pick.row].ticker, rank: pick.rank, weight: weight, marketCap: rows[pick.row].marketCap,
                close: rows[pick.row].close
            )
        }
    }

    /// cap_i / sum of the caps, summed in the given (rank) order.
    static func marketCapWeights(_ caps: [Double]) -> [Double] {
        var total = 0.0
        for cap in caps { total += cap }
        return caps.map { $0 / total }
    }

    /// Market-cap weights limited to `cap`: every weight above `cap * (1 + 1e-12)` is set to `cap` and stays capped,
    /// the excess goes to the uncapped in proportion to their weights, until none exceeds; all 1 / n when
    /// `cap * n <= 1`. Sums run in the given (rank) order.
    static func cappedWeights(_ caps: [Double], cap: Double) -> [Double] {
        let count = caps.count
        guard Double(count) * cap > 1 else { return [Double](repeating: 1.0 / Double(count), count: count) }
        var weights = marketCapWeights(caps)
        var capped = [Bool](repeating: false, count: count)
        let limit = cap * (1 + 1e-12)
        while true {
            var excess = 0.0
            for index in weights.indices where !capped[index] && weights[index] > limit {
                excess += weights[index] - cap
                weights[index] = cap
                capped[index] = true
            }
            guard excess > 0 else { return weights }
            var uncapped = 0.0
            for index in weights.indices where !capped[index] { uncapped += weights[index] }
            guard uncapped > 0 else { return weights }
            for index in weights.indices where !capped[index] {
                weights[index] += excess * (weights[index] / uncapped)
            }
        }
    }

    /// r_i(d) of each member of C(p) (0 for a member without a usable row at d): `(close * F_i + dividends) / c_i - 1`
    /// over the member's actions in (q_i, d], q_i its carried close date or p.
    private func memberReturns(
        _ held: [Constituent], previousDate: SessionDate, date: SessionDate, rows: [ValidRow], today: [Int?],
        _ actions: [AcceptedAction]
    ) -> [Double] {
        var since: [String: SessionDate] = [:]
        for member in held { since[member.ticker] = member.lastCloseDate ?? previousDate }
        let counted = actions.filter { action in
            guard let start = since[action.ticker] else { return false }
            return start < action.date && action.date <= date
        }
        let adjustments = ActionAdjustment.byTicker(counted, returnKind: returnKind)
        var returns = [Double](repeating: 0, count: held.count)
        for (position, member) in held.enumerated() {
            guard let row = today[position] else { continue }
            if let adjustment = adjustments[member.ticker] {
                returns[position] = adjustment.adjusted(close: rows[row].close) / member.close - 1
            } else {
                returns[position] = rows[row].close / member.close - 1
            }
        }
        return returns
    }

    /// R(d) = sum of w_i(p) * r_i(d) over C(p) in its order; when every weight is 1 / |C(p)| the sum of the r_i
    /// divided by |C(p)| (the equal-weighted bits as before). Members without a close add nothing.
    static func dailyReturn(_ held: [Constituent], returns: [Double], present: [Bool]) -> Double {
        let equal = 1.0 / Double(held.count)
        var sum = 0.0
        if held.allSatisfy({ $0.weight.bitPattern == equal.bitPattern }) {
            for position in held.indices where present[position] { sum += returns[position] }
            return sum / Double(held.count)
        }
        for position in held.indices where present[position] { sum += held[position].weight * returns[position] }
        return sum
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
    package static func ranksBefore(_ lhs: ValidRow, _ rhs: ValidRow) -> Bool {
        if lhs.marketCap != rhs.marketCap { return lhs.marketCap > rhs.marketCap }
        return TickerOrder.precedes(lhs.ticker, rhs.ticker)
    }
}

/// A usable row's place in the ranking when rows are in ticker order: market cap descending (as the complement of a
/// positive finite double's bit pattern, which orders as the number), then row index (ticker order).
private struct RankKey: Comparable {
    var descendingCap: UInt64
    var row: Int

    static func < (left: RankKey, right: RankKey) -> Bool {
        left.descendingCap != right.descendingCap ? left.descendingCap < right.descendingCap : left.row < right.row
    }

    /// `keys`, given in row order, in the order of `<`: a stable sort by `descendingCap` alone keeps the row order of
    /// equal caps. A least-significant-digit radix sort, a byte a pass (a pass is skipped when every key has the
    /// same byte there): linear in the number of keys, where the standard sort is not.
    static func sortedByCap(_ keys: [RankKey]) -> [RankKey] {
        guard keys.count > 64 else { return keys.sorted() }
        var counts = [Int](repeating: 0, count: 8 * 256)
        for key in keys {
            var cap = key.descendingCap
            for digit in 0..<8 {
                counts[digit &* 256 &+ Int(cap & 0xFF)] &+= 1
                cap >>= 8
            }
        }
        var source = keys
        var target = keys
        for digit in 0..<8 {
            let base = digit * 256
            let shift = 8 * UInt64(digit)
            // A byte the same in every key changes no order.
            if counts[base + Int((keys[0].descendingCap >> shift) & 0xFF)] == keys.count { continue }
            var next = 0
            for bucket in 0..<256 {
                let count = counts[base + bucket]
                counts[base + bucket] = next
                next += count
            }
            source.withUnsafeBufferPointer { from in
                target.withUnsafeMutableBufferPointer { to in
                    counts.withUnsafeMutableBufferPointer { offsets in
                        for key in from {
                            let bucket = base &+ Int((key.descendingCap >> shift) & 0xFF)
                            to[offsets[bucket]] = key
                            offsets[bucket] &+= 1
                        }
                    }
                }
            }
            swap(&source, &target)
        }
        return source
    }
}
