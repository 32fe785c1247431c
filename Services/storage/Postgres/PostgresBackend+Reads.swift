import Contracts
import Foundation
import PostgresNIO
import StorageDatabase
import TradingCalendar

extension PostgresBackend {
    // MARK: Prices and actions

    /// The rejections of the date's current batch, by position (before its session record is stored: of the
    /// date's last batch received).
    package func rejections(on date: SessionDate) async throws -> [Rejection] {
        let day = date.description
        return try await read { [self] connection in
            try await rows(
                """
                SELECT date, ticker, reason, position, open, high, low, close, volume, market_cap, shares_outstanding
                FROM rejections
                WHERE batch_date = \(day) AND batch_id = coalesce(
                    (SELECT batch_id FROM sessions WHERE date = \(day)),
                    (SELECT batch_id FROM rejections WHERE batch_date = \(day) ORDER BY arrival DESC LIMIT 1)
                )
                ORDER BY position
                """,
                on: connection
            ).map(Self.rejection)
        }
    }

    /// The session records of a range in date order, each with the batch `index`'s result was computed from.
    package func sessionRecords(index: String, range: DateRange) async throws -> [SessionRecord] {
        try await read { [self] connection in
            try await sessionRecords(index: index, from: range.start, to: range.end, on: connection)
        }
    }

    /// The stored valid rows of a date (by ticker) with its session record; nil when no batch is stored for it.
    package func validRows(
        on date: SessionDate, index: String
    ) async throws -> (record: SessionRecord, rows: [ValidRow])? {
        let stored = try await read { [self] connection -> StoredRows? in
            guard let record = try await sessionRecords(index: index, from: date, to: date, on: connection).first
            else { return nil }
            return StoredRows(record: record, rows: try await validRows(on: date, connection: connection))
        }
        return stored.map { ($0.record, $0.rows) }
    }

    /// The stored valid closes of a range, by date then ticker.
    package func closes(range: DateRange) async throws -> [HistoricalClose] {
        let start = range.start.description
        let end = range.end.description
        return try await read { [self] connection in
            try await rows(
                """
                SELECT date, ticker, close FROM prices WHERE date BETWEEN \(start) AND \(end) ORDER BY date, ticker
                """,
                on: connection
            ).map { row in
                let (date, ticker, close) = try row.decode((String, String, Double).self)
                return HistoricalClose(date: try Self.date(date), ticker: ticker, close: close)
            }
        }
    }

    /// The stored actions dated in `range`, by date, ticker and batch order; only `ticker`'s when given.
    package func corporateActions(
        range: DateRange, ticker: String?, acceptedOnly: Bool
    ) async throws -> [ValidatedAction] {
        let start = range.start.description
        let end = range.end.description
        return try await read { [self] connection in
            try await rows(
                """
                SELECT date, ticker, kind, value, rejection FROM corporate_actions
                WHERE date BETWEEN \(start) AND \(end) AND (\(ticker)::text IS NULL OR ticker = \(ticker))
                    AND (NOT \(acceptedOnly) OR rejection IS NULL)
                ORDER BY date, ticker, batch_date, position
                """,
                on: connection
            ).map(Self.action)
        }
    }

    /// The current batch of `date` as stored, in one snapshot; nil when no batch is stored for the date.
    package func storedDay(on date: SessionDate, index: String) async throws -> StoredDay? {
        let day = date.description
        return try await read { [self] connection in
            guard
                let record = try await rows(
                    """
                    SELECT s.batch_id, s.source, s.received_rows, s.valid_rows, s.rejected_rows, l.source_batch_id,
                        s.sequence
                    FROM sessions s LEFT JOIN index_levels l ON l.index_id = \(index) AND l.date = s.date
                    WHERE s.date = \(day)
                    """,
                    on: connection
                ).first.map({ row in
                    let (batchID, source, received, valid, rejected, indexBatchID, sequence) = try row.decode(
                        (String, String, Int, Int, Int, String?, Int).self
                    )
                    return SessionRecord(
                        date: date, batchID: batchID, source: source, receivedRows: received, validRows: valid,
                        rejectedRows: rejected, indexBatchID: indexBatchID, sequence: UInt64(clamping: sequence)
                    )
                })
            else { return nil }
            let batchID = record.batchID
            let valid = try await validRows(on: date, connection: connection)
            let rejections = try await rows(
                """
                SELECT date, ticker, reason, position, open, high, low, close, volume, market_cap, shares_outstanding
                FROM rejections WHERE batch_date = \(day) AND batch_id = \(batchID) ORDER BY position
                """,
                on: connection
            ).map(Self.rejection)
            let stocks = try await rows(
                """
                SELECT ticker, name, sector, exchange FROM stocks WHERE ticker IN (
                    SELECT ticker FROM prices WHERE date = \(day)
                    UNION SELECT ticker FROM rejections WHERE batch_date = \(day) AND batch_id = \(batchID)
                ) ORDER BY ticker
                """,
                on: connection
            ).map(Self.stock)
            let actions = try await rows(
                """
                SELECT date, ticker, kind, value, rejection FROM corporate_actions WHERE batch_date = \(day)
                ORDER BY position
                """,
                on: connection
            ).map(Self.action)
            return StoredDay(record: record, valid: valid, rejections: rejections, stocks: stocks, actions: actions)
        }
    }

    /// The stored metadata of every stock, by ticker.
    package func stocks() async throws -> [StockInfo] {
        try await read { [self] connection in
            try await rows("SELECT ticker, name, sector, exchange FROM stocks ORDER BY ticker", on: connection)
                .map(Self.stock)
        }
    }

    // MARK: Index results

    /// The stored sessions of `index` in a range, in date order.
    package func performance(index: String, range: DateRange) async throws -> [PerformancePoint] {
        let start = range.start.description
        let end = range.end.description
        return try await read { [self] connection in
            try await rows(
                """
                SELECT date, level, daily_return, turnover FROM index_levels
                WHERE index_id = \(index) AND date BETWEEN \(start) AND \(end) ORDER BY date
                """,
                on: connection
            ).map { row in
                let (date, level, dailyReturn, turnover) = try row.decode((String, Double, Double, Double?).self)
                return PerformancePoint(
                    date: try Self.date(date), level: level, dailyReturn: dailyReturn, turnover: turnover
                )
            }
        }
    }

    /// The composition of the latest stored session on or before `date`, by rank, with names and sectors.
    package func composition(index: String, on date: SessionDate) async throws -> CompositionReply {
        let day = date.description
        return try await read { [self] connection in
            let latest = try await rows(
                "SELECT max(date) FROM index_levels WHERE index_id = \(index) AND date <= \(day)", on: connection
            ).first?.decode(String?.self)
            guard let found = latest ?? nil else { return CompositionReply(asOf: nil, constituents: []) }
            let asOf = try Self.date(found)
            let details = try await rows(
                """
                SELECT c.ticker, c.rank, c.weight, c.market_cap, c.close, s.name, s.sector, c.last_close_date
                FROM index_constituents c LEFT JOIN stocks s ON s.ticker = c.ticker
                WHERE c.index_id = \(index) AND c.date = \(found) ORDER BY c.rank
                """,
                on: connection
            ).map { row in
                let (ticker, rank, weight, marketCap, close, name, sector, lastClose) = try row.decode(
                    (String, Int, Double, Double, Double, String?, String?, String?).self
                )
                return ConstituentDetail(
                    constituent: Constituent(
                        ticker: ticker, rank: rank, weight: weight, marketCap: marketCap, close: close,
                        lastCloseDate: try lastClose.map(Self.date)
                    ),
                    name: name, sector: sector
                )
            }
            return CompositionReply(asOf: asOf, constituents: details)
        }
    }

    /// The composition of every stored session of a range, in date order, constituents by rank.
    package func compositions(index: String, range: DateRange) async throws -> [SessionComposition] {
        let start = range.start.description
        let end = range.end.description
        return try await read { [self] connection in
            var sessions: [SessionComposition] = []
            for row in try await rows(
                """
                SELECT c.date, c.ticker, c.rank, c.weight, c.market_cap, c.close, s.name, s.sector, c.last_close_date
                FROM index_constituents c LEFT JOIN stocks s ON s.ticker = c.ticker
                WHERE c.index_id = \(index) AND c.date BETWEEN \(start) AND \(end) ORDER BY c.date, c.rank
                """,
                on: connection
            ) {
                let (day, ticker, rank, weight, marketCap, close, name, sector, lastClose) = try row.decode(
                    (String, String, Int, Double, Double, Double, String?, String?, String?).self
                )
                let date = try Self.date(day)
                if sessions.last?.date != date { sessions.append(SessionComposition(date: date, constituents: [])) }
                sessions[sessions.count - 1].constituents.append(
                    ConstituentDetail(
                        constituent: Constituent(
                            ticker: ticker, rank: rank, weight: weight, marketCap: marketCap, close: close,
                            lastCloseDate: try lastClose.map(Self.date)
                        ),
                        name: name, sector: sector
                    )
                )
            }
            return sessions
        }
    }

    /// The sessions of a range at which `index`'s composition changed, in date order; entries by rank (entries
    /// without a rank last, in the event's order).
    package func changes(index: String, range: DateRange) async throws -> [CompositionEvent] {
        let start = range.start.description
        let end = range.end.description
        return try await read { [self] connection in
            var events: [CompositionEvent] = []
            for row in try await rows(
                """
                SELECT e.date, e.previous_date, c.kind, c.ticker, c.rank, c.market_cap, e.turnover
                FROM composition_events e
                JOIN composition_changes c ON c.index_id = e.index_id AND c.date = e.date
                WHERE e.index_id = \(index) AND e.date BETWEEN \(start) AND \(end)
                ORDER BY e.date, c.kind, c.rank IS NULL, c.rank, c.position
                """,
                on: connection
            ) {
                let (day, previous, kind, ticker, rank, marketCap, turnover) = try row.decode(
                    (String, String, String, String, Int?, Double?, Double?).self
                )
                let date = try Self.date(day)
                if events.last?.date != date {
                    events.append(
                        CompositionEvent(
                            index: index, date: date, previousDate: try Self.date(previous), added: [], removed: [],
                            turnover: turnover
                        )
                    )
                }
                try Self.append(
                    CompositionChange(ticker: ticker, rank: rank, marketCap: marketCap), kind: kind,
                    to: &events[events.count - 1]
                )
            }
            return events
        }
    }

    /// The composition event stored for a session, with or without changes; nil when none is stored.
    package func compositionEvent(index: String, on date: SessionDate) async throws -> CompositionEvent? {
        let day = date.description
        return try await read { [self] connection in
            guard
                let stored = try await rows(
                    "SELECT previous_date, turnover FROM composition_events WHERE index_id = \(index) AND date = \(day)",
                    on: connection
                ).first?.decode((String, Double?).self)
            else { return nil }
            var event = CompositionEvent(
                index: index, date: date, previousDate: try Self.date(stored.0), added: [], removed: [],
                turnover: stored.1
            )
            for row in try await rows(
                """
                SELECT kind, ticker, rank, market_cap FROM composition_changes
                WHERE index_id = \(index) AND date = \(day) ORDER BY kind, rank IS NULL, rank, position
                """,
                on: connection
            ) {
                let (kind, ticker, rank, marketCap) = try row.decode((String, String, Int?, Double?).self)
                try Self.append(
                    CompositionChange(ticker: ticker, rank: rank, marketCap: marketCap), kind: kind, to: &event
                )
            }
            return event
        }
    }

    /// The stored result of `index` on `date`, exactly as it was stored; nil when none is.
    package func indexResult(index: String, on date: SessionDate) async throws -> IndexResult? {
        let day = date.description
        return try await read { [self] connection in
            guard
                let row = try await rows(
                    """
                    SELECT previous_date, level, daily_return, source_batch_id, previous_tickers, departures,
                        replay_id, replay_refetched, turnover
                    FROM index_levels WHERE index_id = \(index) AND date = \(day)
                    """,
                    on: connection
                ).first
            else { return nil }
            let (
                previous, level, dailyReturn, sourceBatchID, previousTickers, departures, replayID, refetched, turnover
            ) =
                try row.decode((String?, Double, Double, String, String, String, String?, Int?, Double?).self)
            var result = IndexResult(
                index: index, date: date, previousDate: try previous.map(Self.date), level: level,
                dailyReturn: dailyReturn, constituents: [],
                previousTickers: try StoredJSON.decode(
                    [String].self, from: previousTickers, column: "index_levels.previous_tickers"
                ),
                departures: try StoredJSON.decode(
                    [CompositionChange].self, from: departures, column: "index_levels.departures"
                ),
                sourceBatchID: sourceBatchID,
                replay: replayID.map { ReplayMark(replayID: $0, refetched: (refetched ?? 0) != 0) },
                turnover: turnover
            )
            result.constituents = try await rows(
                """
                SELECT ticker, rank, weight, market_cap, close, last_close_date FROM index_constituents
                WHERE index_id = \(index) AND date = \(day) ORDER BY rank
                """,
                on: connection
            ).map { row in
                let (ticker, rank, weight, marketCap, close, lastClose) = try row.decode(
                    (String, Int, Double, Double, Double, String?).self
                )
                return Constituent(
                    ticker: ticker, rank: rank, weight: weight, marketCap: marketCap, close: close,
                    lastCloseDate: try lastClose.map(Self.date)
                )
            }
            return result
        }
    }

    /// The definitions: `builtIn` first (in its order), then the stored ones by id; only `id`'s when given (empty
    /// when there is none), each with its stored index sessions.
    package func definitions(builtIn: [IndexDefinition], id: String?) async throws -> [StoredDefinition] {
        try await read { [self] connection in
            var found = builtIn.filter { id == nil || $0.id == id }.map {
                StoredDefinition(definition: $0, builtIn: true)
            }
            if let id {
                if found.isEmpty {
                    found += try await rows(
                        "SELECT id, definition, job_id, created_at FROM index_definitions WHERE id = \(id)",
                        on: connection
                    ).map(Self.definition)
                }
            } else {
                let builtInIDs = Set(builtIn.map(\.id))
                found += try await rows(
                    "SELECT id, definition, job_id, created_at FROM index_definitions ORDER BY id", on: connection
                ).map(Self.definition).filter { !builtInIDs.contains($0.definition.id) }
            }
            for position in found.indices {
                let definitionID = found[position].definition.id
                let row = try await rows(
                    "SELECT min(date), max(date), count(*) FROM index_levels WHERE index_id = \(definitionID)",
                    on: connection
                ).first
                let (first, last, count) = try row?.decode((String?, String?, Int).self) ?? (nil, nil, 0)
                found[position].firstSession = try first.map(Self.date)
                found[position].lastSession = try last.map(Self.date)
                found[position].sessions = count
            }
            return found
        }
    }

    /// Last and first sessions stored and row counts, for operators.
    package func status(index: String) async throws -> StatusReply {
        try await read { [self] connection in
            let row = try await rows(
                """
                SELECT (SELECT max(date) FROM prices), (SELECT coalesce(sum(valid_rows), 0)::bigint FROM sessions),
                    (SELECT max(date) FROM index_levels WHERE index_id = \(index)),
                    (SELECT min(date) FROM index_levels WHERE index_id = \(index)),
                    (SELECT count(*) FROM index_levels WHERE index_id = \(index)),
                    (SELECT count(*) FROM rejections)
                """,
                on: connection
            ).first
            let (lastPrice, priceRows, lastIndex, firstIndex, sessions, rejected) =
                try row?.decode((String?, Int, String?, String?, Int, Int).self) ?? (nil, 0, nil, nil, 0, 0)
            return StatusReply(
                lastPriceSession: try lastPrice.map(Self.date), lastIndexSession: try lastIndex.map(Self.date),
                firstIndexSession: try firstIndex.map(Self.date), priceRows: priceRows, rejectedRows: rejected,
                indexSessions: sessions
            )
        }
    }

    // MARK: A definition's history in bulk

    /// A page of the stored sessions of `range` with their valid rows, in one snapshot; see
    /// ``StorageBackend/sessionRows(range:maxBytes:)`` (the same paging as the SQLite backend's).
    ///
    /// Read from `prices`: this backend does not keep the copy of a session's rows that SQLite's reads (the table
    /// `session_rows` stays empty). Writing it cost the PostgreSQL server about a third more CPU over the
    /// 10-year back-fill (BENCHMARKS.md).
    package func sessionRows(range: DateRange, maxBytes: Int) async throws -> EncodedReply<SessionRowsReply> {
        let start = range.start.description
        let end = range.end.description
        return try await read { [self] connection in
            // Sessions until their rows would surely exceed the page (a row takes at least 17 bytes); one more,
            // so that `next` is known when the range goes on.
            let limit = 512
            let stored = try await rows(
                """
                SELECT date, batch_id, valid_rows FROM sessions WHERE date BETWEEN \(start) AND \(end)
                ORDER BY date LIMIT \(limit)
                """,
                on: connection
            ).map { row in
                let (date, batchID, validRows) = try row.decode((String, String, Int).self)
                return (date: try Self.date(date), batchID: batchID, validRows: validRows)
            }
            guard let first = stored.first else { return try EncodedReply(SessionRowsReply(sessions: [], next: nil)) }
            var picked = 0
            var count = 0
            while picked < stored.count && (picked == 0 || (count + stored[picked].validRows) * 17 <= maxBytes) {
                count += stored[picked].validRows
                picked += 1
            }
            let last = stored[picked - 1].date
            var sessions = stored[..<picked].map { SessionRows(date: $0.date, batchID: $0.batchID, rows: []) }
            var position = 0
            let from = first.date.description
            let to = last.description
            let prices = try await connection.query(
                """
                SELECT date, ticker, close, market_cap FROM prices WHERE date BETWEEN \(from) AND \(to)
                ORDER BY date, ticker
                """,
                logger: logger
            )
            for try await row in prices {
                let (date, ticker, close, marketCap) = try row.decode((String, String, Double, Double).self)
                while position < sessions.count && sessions[position].date.description != date { position += 1 }
                guard position < sessions.count else { throw StoredDataError("prices of \(date) without a session") }
                sessions[position].rows.append(
                    ValidRow(
                        ticker: ticker, open: nil, high: nil, low: nil, close: close, volume: nil,
                        marketCap: marketCap
                    )
                )
            }
            // What follows the picked sessions: the next stored session, or past the sessions read the day after.
            let rest: SessionDate?
            if picked < stored.count {
                rest = stored[picked].date
            } else if stored.count == limit, last < range.end {
                rest = last.adding(days: 1)
            } else {
                rest = nil
            }
            return try EncodedReply(SessionRowsReply.page(sessions, maxBytes: maxBytes, rest: rest))
        }
    }

    // MARK: Rows

    /// Session records between two dates, in the open transaction.
    private func sessionRecords(
        index: String, from start: SessionDate, to end: SessionDate, on connection: PostgresConnection
    ) async throws -> [SessionRecord] {
        let from = start.description
        let to = end.description
        return try await rows(
            """
            SELECT s.date, s.batch_id, s.source, s.received_rows, s.valid_rows, s.rejected_rows, l.source_batch_id,
                s.sequence
            FROM sessions s LEFT JOIN index_levels l ON l.index_id = \(index) AND l.date = s.date
            WHERE s.date BETWEEN \(from) AND \(to)
            ORDER BY s.date
            """,
            on: connection
        ).map { row in
            let (date, batchID, source, received, valid, rejected, indexBatchID, sequence) = try row.decode(
                (String, String, String, Int, Int, Int, String?, Int).self
            )
            return SessionRecord(
                date: try Self.date(date), batchID: batchID, source: source, receivedRows: received,
                validRows: valid, rejectedRows: rejected, indexBatchID: indexBatchID,
                sequence: UInt64(clamping: sequence)
            )
        }
    }

    /// The valid rows of a date, by ticker, in the open transaction.
    private func validRows(on date: SessionDate, connection: PostgresConnection) async throws -> [ValidRow] {
        let day = date.description
        return try await rows(
            """
            SELECT ticker, open, high, low, close, volume, market_cap, flags FROM prices WHERE date = \(day)
            ORDER BY ticker
            """,
            on: connection
        ).map { row in
            let (ticker, open, high, low, close, volume, marketCap, flags) = try row.decode(
                (String, Double?, Double?, Double?, Double, Double?, Double, String).self
            )
            return ValidRow(
                ticker: ticker, open: open, high: high, low: low, close: close, volume: volume, marketCap: marketCap,
                flags: try FlagCoding.decode(flags)
            )
        }
    }

    /// A stored date.
    static func date(_ text: String) throws -> SessionDate {
        guard let date = SessionDate(text) else { throw StoredDataError("not a YYYY-MM-DD date: \(text)") }
        return date
    }

    /// A stored rejection from a row of (date, ticker, reason, position, open, high, low, close, volume, market cap,
    /// shares outstanding).
    static func rejection(_ row: PostgresRow) throws -> Rejection {
        let (date, ticker, reason, position, open, high, low, close, volume, marketCap, shares) = try row.decode(
            (String, String, String, Int, Double?, Double?, Double?, Double?, Double?, Double?, Double?).self
        )
        guard let reason = RejectionReason(rawValue: reason) else {
            throw StoredDataError("unknown rejection reason \(reason)")
        }
        return Rejection(
            row: PriceRow(
                date: try Self.date(date), ticker: ticker, open: open, high: high, low: low, close: close,
                volume: volume, marketCap: marketCap, sharesOutstanding: shares
            ),
            reason: reason, position: position
        )
    }

    /// A stored action from a row of (date, ticker, kind, value, rejection).
    static func action(_ row: PostgresRow) throws -> ValidatedAction {
        let (date, ticker, kind, value, rejection) = try row.decode((String, String, String, Double?, String?).self)
        var reason: ActionRejectionReason?
        if let rejection {
            guard let known = ActionRejectionReason(rawValue: rejection) else {
                throw StoredDataError("unknown action rejection \(rejection)")
            }
            reason = known
        }
        return ValidatedAction(
            action: CorporateAction(date: try Self.date(date), ticker: ticker, kind: kind, value: value),
            rejection: reason
        )
    }

    /// Stock metadata from a row of (ticker, name, sector, exchange).
    static func stock(_ row: PostgresRow) throws -> StockInfo {
        let (ticker, name, sector, exchange) = try row.decode((String, String, String, String).self)
        return StockInfo(ticker: ticker, name: name, sector: sector, exchange: exchange)
    }

    /// A stored definition from a row of (id, definition, job_id, created_at).
    static func definition(_ row: PostgresRow) throws -> StoredDefinition {
        let (id, json, jobID, createdAt) = try row.decode((String, String, String, String).self)
        let definition = try StoredJSON.decode(IndexDefinition.self, from: json, column: "definition")
        guard definition.id == id else { throw StoredDataError("definition \(id) holds the id \(definition.id)") }
        return StoredDefinition(
            definition: definition, builtIn: false, jobID: jobID,
            createdAt: try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(createdAt)
        )
    }

    /// Appends `change` to the added or removed entries of `event`.
    static func append(_ change: CompositionChange, kind: String, to event: inout CompositionEvent) throws {
        switch kind {
        case "added": event.added.append(change)
        case "removed": event.removed.append(change)
        default: throw StoredDataError("unknown composition change kind \(kind)")
        }
    }
}

/// A stored day's rows with their record, as one `Sendable` value out of a transaction.
private struct StoredRows: Sendable {
    /// The session record.
    var record: SessionRecord
    /// The valid rows, by ticker.
    var rows: [ValidRow]
}
