import Contracts
import Synchronization
import TradingCalendar

/// The SQL of the price tables, shared by the writes and reads below.
private enum PriceSQL {
    static let currentBatch = "SELECT batch_id, sequence FROM sessions WHERE date = ?"
    static let raiseSequence = "UPDATE sessions SET sequence = ?2 WHERE date = ?1 AND sequence < ?2"
    static let upsertSession = """
        INSERT INTO sessions (
            date, batch_id, source, replay_id, received_rows, valid_rows, rejected_rows, sequence, stored_at
        ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        ON CONFLICT (date) DO UPDATE SET
            batch_id = excluded.batch_id, source = excluded.source, replay_id = excluded.replay_id,
            received_rows = excluded.received_rows, valid_rows = excluded.valid_rows,
            rejected_rows = excluded.rejected_rows, sequence = excluded.sequence, stored_at = excluded.stored_at
        """
    static let deletePrices = "DELETE FROM prices WHERE date = ?"
    static let upsertSessionRows = """
        INSERT INTO session_rows (date, batch_id, rows) VALUES (?, ?, ?)
        ON CONFLICT (date) DO UPDATE SET batch_id = excluded.batch_id, rows = excluded.rows
        """
    static let deleteActions = "DELETE FROM corporate_actions WHERE batch_date = ?"
    static let insertAction = """
        INSERT INTO corporate_actions (batch_date, position, date, ticker, kind, value, rejection)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """
    static let insertPrice = """
        INSERT INTO prices (date, ticker, open, high, low, close, volume, market_cap, flags)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    static let upsertStock = """
        INSERT INTO stocks (ticker, name, sector, exchange, updated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (ticker) DO UPDATE SET
            name = excluded.name, sector = excluded.sector, exchange = excluded.exchange,
            updated_at = excluded.updated_at
        WHERE excluded.updated_at >= stocks.updated_at
        """
    static let upsertRejection = """
        INSERT INTO rejections (
            batch_id, position, batch_date, source, date, ticker, reason,
            open, high, low, close, volume, market_cap, shares_outstanding, stored_at
        ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        ON CONFLICT (batch_id, position) DO UPDATE SET
            batch_date = excluded.batch_date, source = excluded.source, date = excluded.date,
            ticker = excluded.ticker, reason = excluded.reason, open = excluded.open, high = excluded.high,
            low = excluded.low, close = excluded.close, volume = excluded.volume, market_cap = excluded.market_cap,
            shares_outstanding = excluded.shares_outstanding
        """
    /// The date's current batch is its session's; before the session record arrives, the last batch received.
    static let rejectionsOfCurrentBatch = """
        SELECT date, ticker, reason, position, open, high, low, close, volume, market_cap, shares_outstanding
        FROM rejections
        WHERE batch_date = ?1 AND batch_id = coalesce(
            (SELECT batch_id FROM sessions WHERE date = ?1),
            (SELECT batch_id FROM rejections WHERE batch_date = ?1 ORDER BY rowid DESC LIMIT 1)
        )
        ORDER BY position
        """
    static let sessionRecords = """
        SELECT s.date, s.batch_id, s.source, s.received_rows, s.valid_rows, s.rejected_rows, l.source_batch_id,
            s.sequence
        FROM sessions s LEFT JOIN index_levels l ON l.index_id = ?1 AND l.date = s.date
        WHERE s.date BETWEEN ?2 AND ?3
        ORDER BY s.date
        """
    static let validRows = """
        SELECT ticker, open, high, low, close, volume, market_cap, flags FROM prices WHERE date = ? ORDER BY ticker
        """
    static let closes = "SELECT date, ticker, close FROM prices WHERE date BETWEEN ? AND ? ORDER BY date, ticker"
}

extension IndexDatabase {
    // MARK: Writing prices

    /// Stores validated batches in one transaction; returns how many changed a day (the rest changed nothing).
    ///
    /// A batch whose id is already the date's stored batch is a redelivery and changes nothing. So does a batch whose
    /// message is older in the stream than the stored one's (a late redelivery after a newer batch of the date).
    /// Any other replaces the day as a whole: its rows replace the date's rows, its counts the date's session
    /// record. Stock metadata is upserted, unless a later session already described the stock.
    /// - Parameters:
    ///   - batches: the batches, applied in order (of two for one date in the call, the later one wins).
    ///   - sequences: the `PRICES_VALID` stream sequence of each batch's message, in the same order; nil, or a
    ///     sequence of 0, for "unknown": such a batch replaces whatever is stored for its date.
    @discardableResult
    package func storeValidated(_ batches: [ValidatedBatch], sequences: [UInt64]? = nil) throws -> Int {
        precondition(sequences == nil || sequences?.count == batches.count, "one sequence per batch")
        guard !batches.isEmpty else { return 0 }
        let known = writtenStocks.withLock { $0 }
        var written: [String: StockInfo] = [:]
        let stored = try write { connection in
            var stored = 0
            written = [:]
            for (offset, batch) in batches.enumerated() {
                let sequence = Int(clamping: sequences?[offset] ?? 0)
                if try Self.store(batch, sequence: sequence, known: known, written: &written, in: connection) {
                    stored += 1
                }
            }
            return stored
        }
        // Only after the commit: a rolled-back upsert must be written again.
        writtenStocks.withLock { $0.merge(written) { $1 } }
        return stored
    }

    /// Stores one validated batch in the open transaction; false when it changed nothing.
    private static func store(
        _ batch: ValidatedBatch, sequence: Int, known: [String: StockInfo], written: inout [String: StockInfo],
        in connection: SQLiteConnection
    ) throws -> Bool {
        let date = batch.date.description
        let current = try connection.queryFirst(PriceSQL.currentBatch, [.text(date)]) {
            (batchID: $0.string(at: 0), sequence: $0.int(at: 1))
        }
        if let current {
            if current.batchID == batch.batchID {
                // The same content again, maybe re-published later: it now stands where the later message does.
                try connection.execute(PriceSQL.raiseSequence, [.text(date), .integer(sequence)])
                return false
            }
            if sequence != 0 && current.sequence > sequence { return false }
        }

        let session = try connection.cached(PriceSQL.upsertSession)
        try session.bind(date, at: 1)
        try session.bind(batch.batchID, at: 2)
        try session.bind(batch.source, at: 3)
        try session.bind(batch.replay?.replayID, at: 4)
        try session.bind(batch.receivedRows, at: 5)
        try session.bind(batch.rows.count, at: 6)
        try session.bind(batch.rejectedRows, at: 7)
        try session.bind(sequence, at: 8)
        try session.run()

        try connection.execute(PriceSQL.deletePrices, [.text(date)])
        let insert = try connection.cached(PriceSQL.insertPrice)
        for row in batch.rows {
            try insert.bind(date, at: 1)
            try insert.bind(row.ticker, at: 2)
            try insert.bind(keepingNonFinite: row.open, at: 3)
            try insert.bind(keepingNonFinite: row.high, at: 4)
            try insert.bind(keepingNonFinite: row.low, at: 5)
            try insert.bind(row.close, at: 6)
            try insert.bind(keepingNonFinite: row.volume, at: 7)
            try insert.bind(row.marketCap, at: 8)
            try insert.bind(FlagCoding.encode(row.flags), at: 9)
            try insert.run()
        }
        // The same rows as a definition's history reads them, kept encoded.
        let kept = try connection.cached(PriceSQL.upsertSessionRows)
        try kept.bind(date, at: 1)
        try kept.bind(batch.batchID, at: 2)
        try kept.bind(blob: SessionRowsReply.encodedRows(batch.rows), at: 3)
        try kept.run()

        try connection.execute(PriceSQL.deleteActions, [.text(date)])
        let action = try connection.cached(PriceSQL.insertAction)
        for (position, validated) in batch.actions.enumerated() {
            try action.bind(date, at: 1)
            try action.bind(position, at: 2)
            try action.bind(validated.action.date, at: 3)
            try action.bind(validated.action.ticker, at: 4)
            try action.bind(validated.action.kind, at: 5)
            try action.bind(keepingNonFinite: validated.action.value, at: 6)
            try action.bind(validated.rejection?.rawValue, at: 7)
            try action.run()
        }

        let stock = try connection.cached(PriceSQL.upsertStock)
        for info in batch.stocks where (written[info.ticker] ?? known[info.ticker]) != info {
            written[info.ticker] = info
            try stock.bind(info.ticker, at: 1)
            try stock.bind(info.name, at: 2)
            try stock.bind(info.sector, at: 3)
            try stock.bind(info.exchange, at: 4)
            try stock.bind(date, at: 5)
            try stock.run()
        }
        return true
    }

    /// Stores rejection batches in one transaction, upserting each rejection by (batch, position).
    ///
    /// Rejections of earlier batches of a date stay stored as history; ``rejections(on:)`` shows the current batch's.
    /// Original values are kept exactly, non-finite ones included.
    package func storeRejections(_ batches: [RejectionBatch]) throws {
        guard !batches.isEmpty else { return }
        try write { connection in
            let upsert = try connection.cached(PriceSQL.upsertRejection)
            for batch in batches {
                let batchDate = batch.date.description
                for rejection in batch.rejections {
                    let row = rejection.row
                    try upsert.bind(batch.batchID, at: 1)
                    try upsert.bind(rejection.position, at: 2)
                    try upsert.bind(batchDate, at: 3)
                    try upsert.bind(batch.source, at: 4)
                    try upsert.bind(row.date, at: 5)
                    try upsert.bind(row.ticker, at: 6)
                    try upsert.bind(rejection.reason.rawValue, at: 7)
                    try upsert.bind(keepingNonFinite: row.open, at: 8)
                    try upsert.bind(keepingNonFinite: row.high, at: 9)
                    try upsert.bind(keepingNonFinite: row.low, at: 10)
                    try upsert.bind(keepingNonFinite: row.close, at: 11)
                    try upsert.bind(keepingNonFinite: row.volume, at: 12)
                    try upsert.bind(keepingNonFinite: row.marketCap, at: 13)
                    try upsert.bind(keepingNonFinite: row.sharesOutstanding, at: 14)
                    try upsert.run()
                }
            }
        }
    }

    // MARK: Reading prices

    /// A stored rejection from a row of (date, ticker, reason, position, open, high, low, close, volume, market cap,
    /// shares outstanding).
    static func rejection(_ row: Statement) throws -> Rejection {
        guard let reason = RejectionReason(rawValue: row.string(at: 2)) else {
            throw SQLiteError.corrupt("unknown rejection reason \(row.string(at: 2))")
        }
        let priceRow = PriceRow(
            date: try row.date(at: 0), ticker: row.string(at: 1),
            open: try row.doubleKeepingNonFinite(at: 4), high: try row.doubleKeepingNonFinite(at: 5),
            low: try row.doubleKeepingNonFinite(at: 6), close: try row.doubleKeepingNonFinite(at: 7),
            volume: try row.doubleKeepingNonFinite(at: 8), marketCap: try row.doubleKeepingNonFinite(at: 9),
            sharesOutstanding: try row.doubleKeepingNonFinite(at: 10)
        )
        return Rejection(row: priceRow, reason: reason, position: row.int(at: 3))
    }

    /// The rejections of the date's current batch, by position (before its session record is stored: of the
    /// date's last batch received).
    package func rejections(on date: SessionDate) throws -> [Rejection] {
        try read { connection in
            try connection.query(PriceSQL.rejectionsOfCurrentBatch, [.text(date.description)], Self.rejection)
        }
    }

    /// The session records of a range in date order, each with the batch `index`'s stored result was computed from.
    package func sessionRecords(index: String, range: DateRange) throws -> [SessionRecord] {
        try read { connection in
            try Self.sessionRecords(index: index, from: range.start, to: range.end, in: connection)
        }
    }

    /// The stored valid rows of a date (by ticker) with its session record, or nil when no batch is stored for it.
    /// - Parameters:
    ///   - date: the session.
    ///   - index: the index whose stored result fills the record's `indexBatchID`.
    package func validRows(
        on date: SessionDate, index: String = Indexes.defaultID
    ) throws -> (record: SessionRecord, rows: [ValidRow])? {
        try read { connection in
            guard let record = try Self.sessionRecords(index: index, from: date, to: date, in: connection).first
            else { return nil }
            let rows = try connection.query(PriceSQL.validRows, [.text(date.description)]) { row in
                ValidRow(
                    ticker: row.string(at: 0), open: try row.doubleKeepingNonFinite(at: 1),
                    high: try row.doubleKeepingNonFinite(at: 2), low: try row.doubleKeepingNonFinite(at: 3),
                    close: row.double(at: 4), volume: try row.doubleKeepingNonFinite(at: 5),
                    marketCap: row.double(at: 6), flags: try FlagCoding.decode(row.string(at: 7))
                )
            }
            return (record, rows)
        }
    }

    /// The stored valid closes of a range, by date then ticker.
    package func closes(range: DateRange) throws -> [HistoricalClose] {
        try read { connection in
            try connection.query(PriceSQL.closes, [.text(range.start.description), .text(range.end.description)]) {
                HistoricalClose(date: try $0.date(at: 0), ticker: $0.string(at: 1), close: $0.double(at: 2))
            }
        }
    }

    /// Session records between two dates, in the open read transaction.
    private static func sessionRecords(
        index: String, from start: SessionDate, to end: SessionDate, in connection: SQLiteConnection
    ) throws -> [SessionRecord] {
        try connection.query(
            PriceSQL.sessionRecords, [.text(index), .text(start.description), .text(end.description)]
        ) { row in
            SessionRecord(
                date: try row.date(at: 0), batchID: row.string(at: 1), source: row.string(at: 2),
                receivedRows: row.int(at: 3), validRows: row.int(at: 4), rejectedRows: row.int(at: 5),
                indexBatchID: row.optionalString(at: 6), sequence: UInt64(clamping: row.int(at: 7))
            )
        }
    }
}
