import Contracts
import TradingCalendar

/// The SQL of the index tables, shared by the writes and reads below (and a definition's history in bulk).
enum IndexSQL {
    static let deleteLevel = "DELETE FROM index_levels WHERE index_id = ? AND date = ?"
    static let deleteEvent = "DELETE FROM composition_events WHERE index_id = ? AND date = ?"
    static let upsertLevel = """
        INSERT INTO index_levels (
            index_id, date, previous_date, level, daily_return, source_batch_id, previous_tickers, departures,
            replay_id, replay_refetched, turnover, stored_at
        ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        ON CONFLICT (index_id, date) DO UPDATE SET
            previous_date = excluded.previous_date, level = excluded.level, daily_return = excluded.daily_return,
            source_batch_id = excluded.source_batch_id, previous_tickers = excluded.previous_tickers,
            departures = excluded.departures, replay_id = excluded.replay_id,
            replay_refetched = excluded.replay_refetched, turnover = excluded.turnover, stored_at = excluded.stored_at
        """
    static let deleteConstituents = "DELETE FROM index_constituents WHERE index_id = ? AND date = ?"
    static let insertConstituent = """
        INSERT INTO index_constituents (index_id, date, rank, ticker, weight, market_cap, close, last_close_date)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """
    static let upsertEvent = """
        INSERT INTO composition_events (index_id, date, previous_date, turnover, stored_at)
        VALUES (?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        ON CONFLICT (index_id, date) DO UPDATE SET
            previous_date = excluded.previous_date, turnover = excluded.turnover, stored_at = excluded.stored_at
        """
    static let deleteChanges = "DELETE FROM composition_changes WHERE index_id = ? AND date = ?"
    static let storedSequence =
        "SELECT sequence FROM index_result_sequences WHERE kind = ? AND index_id = ? AND date = ?"
    static let upsertSequence = """
        INSERT INTO index_result_sequences (kind, index_id, date, sequence) VALUES (?, ?, ?, ?)
        ON CONFLICT (kind, index_id, date) DO UPDATE SET sequence = excluded.sequence
        """
    static let insertChange = """
        INSERT INTO composition_changes (index_id, date, kind, ticker, rank, market_cap, position)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """
    static let performance = """
        SELECT date, level, daily_return, turnover FROM index_levels
        WHERE index_id = ? AND date BETWEEN ? AND ? ORDER BY date
        """
    static let latestOnOrBefore = "SELECT max(date) FROM index_levels WHERE index_id = ? AND date <= ?"
    static let constituentDetails = """
        SELECT c.ticker, c.rank, c.weight, c.market_cap, c.close, s.name, s.sector, c.last_close_date
        FROM index_constituents c LEFT JOIN stocks s ON s.ticker = c.ticker
        WHERE c.index_id = ? AND c.date = ? ORDER BY c.rank
        """
    static let constituentDetailsInRange = """
        SELECT c.date, c.ticker, c.rank, c.weight, c.market_cap, c.close, s.name, s.sector, c.last_close_date
        FROM index_constituents c LEFT JOIN stocks s ON s.ticker = c.ticker
        WHERE c.index_id = ? AND c.date BETWEEN ? AND ? ORDER BY c.date, c.rank
        """
    static let level = """
        SELECT previous_date, level, daily_return, source_batch_id, previous_tickers, departures, replay_id,
            replay_refetched, turnover
        FROM index_levels WHERE index_id = ? AND date = ?
        """
    static let constituents = """
        SELECT ticker, rank, weight, market_cap, close, last_close_date FROM index_constituents
        WHERE index_id = ? AND date = ? ORDER BY rank
        """
    /// Events without a change have no change row, so the join leaves them out.
    static let changes = """
        SELECT e.date, e.previous_date, c.kind, c.ticker, c.rank, c.market_cap, e.turnover
        FROM composition_events e
        JOIN composition_changes c ON c.index_id = e.index_id AND c.date = e.date
        WHERE e.index_id = ? AND e.date BETWEEN ? AND ?
        ORDER BY e.date, c.kind, c.rank IS NULL, c.rank, c.position
        """
    static let event = "SELECT previous_date, turnover FROM composition_events WHERE index_id = ? AND date = ?"
    static let eventChanges = """
        SELECT kind, ticker, rank, market_cap FROM composition_changes
        WHERE index_id = ? AND date = ? ORDER BY kind, rank IS NULL, rank, position
        """
}

extension IndexDatabase {
    // MARK: Writing index results

    /// Stores index results in one transaction: each upserts its level and replaces its constituents; a retraction
    /// (no constituents) deletes the level, constituents and composition event stored for its index and date.
    ///
    /// With `sequences` (the results' stream sequences, in the same order), a result older than the one stored for
    /// its index and date is left out: messages of one date can arrive out of order (a redelivery after a failed
    /// write, a late acknowledgement, two storage processes), and the newest computation must win.
    package func storeIndexResults(_ results: [IndexResult], sequences: [UInt64]? = nil) throws {
        guard !results.isEmpty else { return }
        precondition(sequences == nil || sequences?.count == results.count, "one sequence per result")
        try write { connection in
            for (position, result) in results.enumerated() {
                try Self.store(result, sequence: sequences?[position], in: connection)
            }
        }
    }

    /// Whether a message at `sequence` is not older than what is stored for (`kind`, index, date); records it when
    /// so. Without a sequence, always (and nothing is recorded).
    private static func isNewest(
        _ kind: String, index: String, date: SessionDate, sequence: UInt64?, in connection: SQLiteConnection
    ) throws -> Bool {
        guard let sequence else { return true }
        let key: [SQLiteValue] = [.text(kind), .text(index), .text(date.description)]
        if let stored = try connection.queryFirst(IndexSQL.storedSequence, key, { $0.int(at: 0) }),
            stored > Int(sequence)
        {
            return false
        }
        try connection.execute(IndexSQL.upsertSequence, key + [.integer(Int(sequence))])
        return true
    }

    /// Stores one index result in the open transaction.
    private static func store(_ result: IndexResult, sequence: UInt64?, in connection: SQLiteConnection) throws {
        // A result of a definition removed while it was on its way (or never added) is not kept.
        guard try isDefined(result.index, in: connection) else { return }
        guard try isNewest("result", index: result.index, date: result.date, sequence: sequence, in: connection)
        else { return }
        let key: [SQLiteValue] = [.text(result.index), .text(result.date.description)]
        guard !result.isRetraction else {
            // Constituents and composition changes go with their parent rows (ON DELETE CASCADE).
            try connection.execute(IndexSQL.deleteLevel, key)
            try connection.execute(IndexSQL.deleteEvent, key)
            return
        }
        // A base session has no composition event: one stored while the date was not the base goes.
        if result.previousDate == nil { try connection.execute(IndexSQL.deleteEvent, key) }
        try writeLevel(result, index: result.index, with: connection.cached(IndexSQL.upsertLevel))
        try connection.execute(IndexSQL.deleteConstituents, key)
        try writeConstituents(of: result, index: result.index, with: connection.cached(IndexSQL.insertConstituent))
    }

    /// Binds a result's level row under `index` (the eleven parameters of `IndexSQL.upsertLevel`, and of the bulk
    /// history's plain insert) and runs the statement.
    static func writeLevel(_ result: IndexResult, index: String, with level: Statement) throws {
        try level.bind(index, at: 1)
        try level.bind(result.date, at: 2)
        try level.bind(result.previousDate, at: 3)
        try level.bind(result.level, at: 4)
        try level.bind(result.dailyReturn, at: 5)
        try level.bind(result.sourceBatchID, at: 6)
        try level.bind(StoredJSON.encode(result.previousTickers), at: 7)
        try level.bind(StoredJSON.encode(result.departures), at: 8)
        try level.bind(result.replay?.replayID, at: 9)
        try level.bind(result.replay.map { $0.refetched ? 1 : 0 }, at: 10)
        try level.bind(result.turnover, at: 11)
        try level.run()
    }

    /// Inserts a result's constituents under `index` with `IndexSQL.insertConstituent`.
    static func writeConstituents(of result: IndexResult, index: String, with insert: Statement) throws {
        for constituent in result.constituents {
            try insert.bind(index, at: 1)
            try insert.bind(result.date, at: 2)
            try insert.bind(constituent.rank, at: 3)
            try insert.bind(constituent.ticker, at: 4)
            try insert.bind(constituent.weight, at: 5)
            try insert.bind(constituent.marketCap, at: 6)
            try insert.bind(constituent.close, at: 7)
            try insert.bind(constituent.lastCloseDate, at: 8)
            try insert.run()
        }
    }

    /// Inserts an event's added and removed tickers under `index`, in their order, with `IndexSQL.insertChange`.
    static func writeChanges(of event: CompositionEvent, index: String, with insert: Statement) throws {
        for (kind, entries) in [("added", event.added), ("removed", event.removed)] {
            for (position, change) in entries.enumerated() {
                try insert.bind(index, at: 1)
                try insert.bind(event.date, at: 2)
                try insert.bind(kind, at: 3)
                try insert.bind(change.ticker, at: 4)
                try insert.bind(change.rank, at: 5)
                try insert.bind(change.marketCap, at: 6)
                try insert.bind(position, at: 7)
                try insert.run()
            }
        }
    }

    /// Stores composition events in one transaction, each replacing what its index and date had.
    ///
    /// An event without added or removed tickers is recorded too (the session was processed, nothing changed):
    /// ``compositionEvent(index:on:)`` returns it, ``changes(index:range:)`` leaves it out.
    ///
    /// An event derived from an older index result (``CompositionEvent/resultSequence``) than the stored one's is
    /// left out, as in ``storeIndexResults(_:sequences:)``.
    package func storeCompositionEvents(_ events: [CompositionEvent]) throws {
        guard !events.isEmpty else { return }
        try write { connection in
            for event in events where try Self.isDefined(event.index, in: connection) {
                guard
                    try Self.isNewest(
                        "event", index: event.index, date: event.date, sequence: event.resultSequence, in: connection)
                else { continue }
                let key: [SQLiteValue] = [.text(event.index), .text(event.date.description)]
                try connection.execute(
                    IndexSQL.upsertEvent,
                    key + [.text(event.previousDate.description), event.turnover.map { .real($0) } ?? .null]
                )
                try connection.execute(IndexSQL.deleteChanges, key)
                try Self.writeChanges(of: event, index: event.index, with: connection.cached(IndexSQL.insertChange))
            }
        }
    }

    // MARK: Reading index results

    /// The stored sessions of `index` in a range, in date order.
    package func performance(index: String, range: DateRange) throws -> [PerformancePoint] {
        try read { connection in
            try connection.query(
                IndexSQL.performance, [.text(index), .text(range.start.description), .text(range.end.description)]
            ) {
                PerformancePoint(
                    date: try $0.date(at: 0), level: $0.double(at: 1), dailyReturn: $0.double(at: 2),
                    turnover: $0.optionalDouble(at: 3)
                )
            }
        }
    }

    /// The composition of the latest stored session on or before `date`, by rank, with stock names and sectors
    /// where known; `asOf` nil and no constituents when nothing is stored on or before it.
    package func composition(index: String, on date: SessionDate) throws -> CompositionReply {
        try read { connection in
            let found = try connection.queryFirst(
                IndexSQL.latestOnOrBefore, [.text(index), .text(date.description)]
            ) { try $0.optionalDate(at: 0) }
            guard let asOf = found ?? nil else { return CompositionReply(asOf: nil, constituents: []) }
            let details = try connection.query(
                IndexSQL.constituentDetails, [.text(index), .text(asOf.description)]
            ) { row in
                ConstituentDetail(
                    constituent: Constituent(
                        ticker: row.string(at: 0), rank: row.int(at: 1), weight: row.double(at: 2),
                        marketCap: row.double(at: 3), close: row.double(at: 4),
                        lastCloseDate: try row.optionalDate(at: 7)
                    ),
                    name: row.optionalString(at: 5), sector: row.optionalString(at: 6)
                )
            }
            return CompositionReply(asOf: asOf, constituents: details)
        }
    }

    /// The composition of every stored session of a range, in date order, constituents by rank.
    package func compositions(index: String, range: DateRange) throws -> [SessionComposition] {
        try read { connection in
            var sessions: [SessionComposition] = []
            let values: [SQLiteValue] = [.text(index), .text(range.start.description), .text(range.end.description)]
            try connection.cached(IndexSQL.constituentDetailsInRange).bindAndForEach(values) { row in
                let date = try row.date(at: 0)
                if sessions.last?.date != date { sessions.append(SessionComposition(date: date, constituents: [])) }
                sessions[sessions.count - 1].constituents.append(
                    ConstituentDetail(
                        constituent: Constituent(
                            ticker: row.string(at: 1), rank: row.int(at: 2), weight: row.double(at: 3),
                            marketCap: row.double(at: 4), close: row.double(at: 5),
                            lastCloseDate: try row.optionalDate(at: 8)
                        ),
                        name: row.optionalString(at: 6), sector: row.optionalString(at: 7)
                    ))
            }
            return sessions
        }
    }

    /// The sessions of a range at which `index`'s composition changed, in date order; entries by rank (entries
    /// without a rank last, in the event's order).
    package func changes(index: String, range: DateRange) throws -> [CompositionEvent] {
        try read { connection in
            var events: [CompositionEvent] = []
            let values: [SQLiteValue] = [
                .text(index), .text(range.start.description), .text(range.end.description),
            ]
            try connection.cached(IndexSQL.changes).bindAndForEach(values) { row in
                let date = try row.date(at: 0)
                if events.last?.date != date {
                    events.append(
                        CompositionEvent(
                            index: index, date: date, previousDate: try row.date(at: 1), added: [], removed: [],
                            turnover: row.optionalDouble(at: 6)
                        )
                    )
                }
                try Self.appendChange(from: row, kindAt: 2, to: &events[events.count - 1])
            }
            return events
        }
    }

    /// The composition event stored for a session, with or without changes; nil when none is stored.
    package func compositionEvent(index: String, on date: SessionDate) throws -> CompositionEvent? {
        try read { connection in
            let key: [SQLiteValue] = [.text(index), .text(date.description)]
            guard
                let stored = try connection.queryFirst(
                    IndexSQL.event, key, { (previous: try $0.date(at: 0), turnover: $0.optionalDouble(at: 1)) })
            else {
                return nil
            }
            var event = CompositionEvent(
                index: index, date: date, previousDate: stored.previous, added: [], removed: [],
                turnover: stored.turnover
            )
            try connection.cached(IndexSQL.eventChanges).bindAndForEach(key) { row in
                try Self.appendChange(from: row, kindAt: 0, to: &event)
            }
            return event
        }
    }

    /// The stored result of `index` on `date`, exactly as it was stored; nil when none is.
    package func indexResult(index: String, on date: SessionDate) throws -> IndexResult? {
        try read { connection in
            try Self.indexResult(index: index, on: date, in: connection)
        }
    }

    /// Reads one stored result in the open read transaction.
    private static func indexResult(
        index: String, on date: SessionDate, in connection: SQLiteConnection
    ) throws -> IndexResult? {
        let key: [SQLiteValue] = [.text(index), .text(date.description)]
        let stored = try connection.queryFirst(IndexSQL.level, key) { row in
            let replay = row.optionalString(at: 6).map { id in
                ReplayMark(replayID: id, refetched: row.int(at: 7) != 0)
            }
            return IndexResult(
                index: index, date: date, previousDate: try row.optionalDate(at: 0), level: row.double(at: 1),
                dailyReturn: row.double(at: 2), constituents: [],
                previousTickers: try StoredJSON.decode(
                    [String].self, from: row.string(at: 4), column: "index_levels.previous_tickers"
                ),
                departures: try StoredJSON.decode(
                    [CompositionChange].self, from: row.string(at: 5), column: "index_levels.departures"
                ),
                sourceBatchID: row.string(at: 3), replay: replay, turnover: row.optionalDouble(at: 8)
            )
        }
        guard var result = stored else { return nil }
        result.constituents = try connection.query(IndexSQL.constituents, key) { row in
            Constituent(
                ticker: row.string(at: 0), rank: row.int(at: 1), weight: row.double(at: 2),
                marketCap: row.double(at: 3), close: row.double(at: 4), lastCloseDate: try row.optionalDate(at: 5)
            )
        }
        return result
    }

    /// Appends the change in `row` (kind, ticker, rank, market cap from column `kindAt` on) to `event`.
    private static func appendChange(from row: Statement, kindAt column: Int32, to event: inout CompositionEvent)
        throws
    {
        let change = CompositionChange(
            ticker: row.string(at: column + 1), rank: row.optionalInt(at: column + 2),
            marketCap: row.optionalDouble(at: column + 3)
        )
        switch row.string(at: column) {
        case "added": event.added.append(change)
        case "removed": event.removed.append(change)
        case let kind: throw SQLiteError.corrupt("unknown composition change kind \(kind)")
        }
    }
}

extension IndexDatabase {
    // MARK: Stream epochs

    /// The streams whose sequences the database keeps, and what each guards.
    package enum SequencedStream: String, Sendable, CaseIterable {
        /// `PRICES_VALID`: `sessions.sequence`.
        case validatedPrices = "PRICES_VALID"
        /// `INDEX`: `index_result_sequences` (results, and the events derived from them).
        case indexResults = "INDEX"
    }

    /// Records the creation time of each stream whose sequences the database keeps; for a stream that is not the one
    /// those sequences came from (another creation time, or none recorded), forgets them first: its sequences start
    /// over, and a new message would otherwise look older than a stored one and be left out. The streams whose
    /// sequences were forgotten (of those that had any).
    @discardableResult
    package func adoptStreamEpochs(_ created: [SequencedStream: Int64]) throws -> [SequencedStream] {
        try write { connection in
            var forgotten: [SequencedStream] = []
            for stream in SequencedStream.allCases {
                guard let epoch = created[stream] else { continue }
                let stored = try connection.queryFirst(
                    "SELECT created FROM stream_epochs WHERE stream = ?", [.text(stream.rawValue)]
                ) { $0.int(at: 0) }
                guard stored != Int(epoch) else { continue }
                let cleared: Int
                switch stream {
                case .validatedPrices:
                    try connection.execute("UPDATE sessions SET sequence = 0 WHERE sequence <> 0")
                    cleared = connection.changes
                case .indexResults:
                    try connection.execute("DELETE FROM index_result_sequences")
                    cleared = connection.changes
                }
                if cleared > 0 { forgotten.append(stream) }
                try connection.execute(
                    """
                    INSERT INTO stream_epochs (stream, created) VALUES (?, ?)
                    ON CONFLICT (stream) DO UPDATE SET created = excluded.created
                    """,
                    [.text(stream.rawValue), .integer(Int(epoch))]
                )
            }
            return forgotten
        }
    }
}
