import Contracts
import TradingCalendar

/// The SQL of a definition's history in bulk: the stored rows of many sessions, and a range of a series replaced.
private enum HistorySQL {
    static let sessions = """
        SELECT date, batch_id, valid_rows FROM sessions WHERE date BETWEEN ? AND ? ORDER BY date LIMIT ?
        """
    /// One session's rows as kept encoded, when they are its current batch's.
    static let kept = "SELECT rows FROM session_rows WHERE date = ? AND batch_id = ?"
    /// One session's rows, in the primary key's order (no date text read per row).
    static let rows = "SELECT ticker, close, market_cap FROM prices WHERE date = ? ORDER BY ticker"
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
    /// cap), encoding within `maxBytes` (at least one session); sized as ``SessionRowsReply/page(_:maxBytes:rest:)``
    /// sizes it, session by session as they are read. One read transaction: the page is one snapshot.
    ///
    /// A session's rows are written into the reply as `session_rows` keeps them, not decoded; a session without
    /// them kept for its current batch (stored before they were kept) is read from `prices`. The bytes are the same.
    package func sessionRows(range: DateRange, maxBytes: Int) throws -> EncodedReply<SessionRowsReply> {
        try read { connection in
            let limit = 512
            let stored = try connection.query(
                HistorySQL.sessions, [.text(range.start.description), .text(range.end.description), .integer(limit)]
            ) { (date: try $0.date(at: 0), batchID: $0.string(at: 1), validRows: $0.int(at: 2)) }
            guard let last = stored.last else { return try EncodedReply(SessionRowsReply(sessions: [], next: nil)) }
            // What follows the sessions read: past them the day after, when the range goes on.
            let rest = stored.count == limit && last.date < range.end ? last.date.adding(days: 1) : nil
            let kept = try connection.cached(HistorySQL.kept)
            let statement = try connection.cached(HistorySQL.rows)
            var page = SessionRowsPage(capacity: min(maxBytes, 64 + stored.reduce(0) { $0 + $1.validRows } * 22))
            for (offset, session) in stored.enumerated() {
                let next = offset + 1 < stored.count ? stored[offset + 1].date : rest
                // A row takes at least 17 bytes: a session that cannot fit is not read.
                if offset > 0 && page.encodedSize(adding: session.validRows * 17, next: next) > maxBytes {
                    return EncodedReply(data: page.encoded(next: session.date))
                }
                // Its rows as kept, when they are whole and as many as the session record counts.
                var fits = true
                var written = false
                try kept.bindAndForEach([.text(session.date.description), .text(session.batchID)]) { row in
                    row.withBlob(at: 0) { rows in
                        guard SessionRowsReply.rowCount(ofEncodedRows: rows) == session.validRows else { return }
                        let bytes = SessionRowsReply.encodedSize(
                            date: session.date, batchID: session.batchID, rowsBytes: rows.count)
                        if offset > 0 && page.encodedSize(adding: bytes, next: next) > maxBytes {
                            fits = false
                        } else {
                            page.append(date: session.date, batchID: session.batchID, encodedRows: rows)
                            written = true
                        }
                    }
                }
                guard fits else { return EncodedReply(data: page.encoded(next: session.date)) }
                if written { continue }
                var rows: [ValidRow] = []
                rows.reserveCapacity(session.validRows)
                try statement.bindAndForEach([.text(session.date.description)]) { row in
                    rows.append(
                        ValidRow(
                            ticker: row.string(at: 0), open: nil, high: nil, low: nil, close: row.double(at: 1),
                            volume: nil, marketCap: row.double(at: 2)
                        ))
                }
                let read = SessionRows(date: session.date, batchID: session.batchID, rows: rows)
                if offset > 0 && page.encodedSize(adding: SessionRowsReply.encodedSize(of: read), next: next) > maxBytes
                {
                    return EncodedReply(data: page.encoded(next: session.date))
                }
                page.append(read)
            }
            return EncodedReply(data: page.encoded(next: rest))
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
