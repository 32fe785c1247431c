import Contracts
import TradingCalendar

/// The SQL of a definition's history in bulk: the stored rows of many sessions, and a range of a series replaced.
private enum HistorySQL {
    static let sessions = """
        SELECT date, batch_id, valid_rows FROM sessions WHERE date BETWEEN ? AND ? ORDER BY date LIMIT ?
        """
    /// The primary key's order: one pass over the range.
    static let rows = """
        SELECT date, ticker, close, market_cap FROM prices WHERE date BETWEEN ? AND ? ORDER BY date, ticker
        """
    static let deleteLevels = "DELETE FROM index_levels WHERE index_id = ? AND date BETWEEN ? AND ?"
    static let deleteEvents = "DELETE FROM composition_events WHERE index_id = ? AND date BETWEEN ? AND ?"
    static let insertLevel = """
        INSERT INTO index_levels (
            index_id, date, previous_date, level, daily_return, source_batch_id, previous_tickers, departures,
            replay_id, replay_refetched, turnover, stored_at
        ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        """
    static let insertEvent = """
        INSERT INTO composition_events (index_id, date, previous_date, turnover, stored_at)
        VALUES (?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        """
}

extension IndexDatabase {
    // MARK: A definition's history in bulk

    /// A page of the stored sessions of `range` from its first one, with their valid rows (ticker, close, market
    /// cap), encoding within `maxBytes` (at least one session); see ``SessionRowsReply/page(_:maxBytes:rest:)``.
    /// One read transaction: the page is one snapshot.
    package func sessionRows(range: DateRange, maxBytes: Int) throws -> SessionRowsReply {
        try read { connection in
            // Sessions until their rows would surely exceed the page (a row takes at least 17 bytes); one more,
            // so that `next` is known when the range goes on.
            let limit = 512
            let stored = try connection.query(
                HistorySQL.sessions, [.text(range.start.description), .text(range.end.description), .integer(limit)]
            ) { (date: try $0.date(at: 0), batchID: $0.string(at: 1), validRows: $0.int(at: 2)) }
            guard let first = stored.first else { return SessionRowsReply(sessions: [], next: nil) }
            var picked = 0
            var rows = 0
            while picked < stored.count && (picked == 0 || (rows + stored[picked].validRows) * 17 <= maxBytes) {
                rows += stored[picked].validRows
                picked += 1
            }
            let last = stored[picked - 1].date
            var sessions = stored[..<picked].map { SessionRows(date: $0.date, batchID: $0.batchID, rows: []) }
            var position = 0
            var current = first.date.description
            try connection.cached(HistorySQL.rows).bindAndForEach([
                .text(first.date.description), .text(last.description),
            ]) {
                row in
                let date = row.string(at: 0)
                if date != current {
                    current = date
                    while position < sessions.count && sessions[position].date.description != date { position += 1 }
                }
                guard position < sessions.count else {
                    throw SQLiteError.corrupt("prices of \(date) without a session")
                }
                sessions[position].rows.append(
                    ValidRow(
                        ticker: row.string(at: 1), open: nil, high: nil, low: nil, close: row.double(at: 2),
                        volume: nil, marketCap: row.double(at: 3)
                    ))
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
            return SessionRowsReply.page(sessions, maxBytes: maxBytes, rest: rest)
        }
    }

    /// Replaces `command.range` of `command.index`'s stored series with its results and events, in one transaction;
    /// the number of results stored (0, and nothing changed, when the index is not defined).
    ///
    /// Idempotent: applying the same command again deletes and stores the same rows.
    package func storeHistory(_ command: StoreHistoryCommand) throws -> Int {
        try write { connection in
            guard try Self.isDefined(command.index, in: connection) else { return 0 }
            let span: [SQLiteValue] = [
                .text(command.index), .text(command.range.start.description), .text(command.range.end.description),
            ]
            // Constituents and composition changes go with their parent rows (ON DELETE CASCADE).
            try connection.execute(HistorySQL.deleteLevels, span)
            try connection.execute(HistorySQL.deleteEvents, span)
            let level = try connection.cached(HistorySQL.insertLevel)
            let member = try connection.cached(IndexSQL.insertConstituent)
            for result in command.results where !result.isRetraction {
                guard command.range.contains(result.date) else {
                    throw SQLiteError.corrupt("a result of \(result.date) outside \(command.range)")
                }
                try Self.writeLevel(result, index: command.index, with: level)
                try Self.writeConstituents(of: result, index: command.index, with: member)
            }
            let event = try connection.cached(HistorySQL.insertEvent)
            let change = try connection.cached(IndexSQL.insertChange)
            for composition in command.events {
                guard command.range.contains(composition.date) else {
                    throw SQLiteError.corrupt("an event of \(composition.date) outside \(command.range)")
                }
                try event.bind(command.index, at: 1)
                try event.bind(composition.date, at: 2)
                try event.bind(composition.previousDate, at: 3)
                try event.bind(composition.turnover, at: 4)
                try event.run()
                try Self.writeChanges(of: composition, index: command.index, with: change)
            }
            return command.results.count { !$0.isRetraction }
        }
    }
}
