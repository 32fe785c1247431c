import Contracts
import TradingCalendar

/// The SQL of reading a stored day back for a replay.
private enum ReplaySQL {
    static let record = """
        SELECT s.batch_id, s.source, s.received_rows, s.valid_rows, s.rejected_rows, l.source_batch_id, s.sequence
        FROM sessions s LEFT JOIN index_levels l ON l.index_id = ?2 AND l.date = s.date
        WHERE s.date = ?1
        """
    static let rejections = """
        SELECT date, ticker, reason, position, open, high, low, close, volume, market_cap, shares_outstanding
        FROM rejections WHERE batch_date = ?1 AND batch_id = ?2 ORDER BY position
        """
    static let validRows = """
        SELECT ticker, open, high, low, close, volume, market_cap, flags FROM prices WHERE date = ? ORDER BY ticker
        """
    static let stocks = """
        SELECT ticker, name, sector, exchange FROM stocks WHERE ticker IN (
            SELECT ticker FROM prices WHERE date = ?1
            UNION SELECT ticker FROM rejections WHERE batch_date = ?1 AND batch_id = ?2
        ) ORDER BY ticker
        """
}

/// Everything storage holds of one session's current batch, read in one snapshot: enough to publish the batch again.
package struct StoredDay: Sendable, Equatable {
    /// The session record (batch id, source, row counts).
    package var record: SessionRecord
    /// The valid rows, by ticker.
    package var valid: [ValidRow]
    /// The rejections of the current batch, by position.
    package var rejections: [Rejection]
    /// Stored metadata of the batch's tickers, by ticker.
    package var stocks: [StockInfo]
    /// The batch's corporate actions in its order, with the validator's decisions.
    package var actions: [ValidatedAction]

    /// A stored day.
    package init(
        record: SessionRecord, valid: [ValidRow], rejections: [Rejection], stocks: [StockInfo],
        actions: [ValidatedAction] = []
    ) {
        self.record = record
        self.valid = valid
        self.rejections = rejections
        self.stocks = stocks
        self.actions = actions
    }

    /// The raw rows again, in an order that validates to exactly the stored outcome.
    ///
    /// Rejected rows go back to their stored positions, valid rows fill the other positions. Valid rows do not keep
    /// their positions, and only one order matters among them: a valid row must come before every row of its ticker
    /// rejected as a `duplicate` (the first row of a key is the one considered). Filling the free positions in
    /// ascending order with the valid rows sorted by their earliest such duplicate (earliest deadline first) meets
    /// every one of those constraints whenever any order does, and the original order did. A valid row comes back
    /// with its resolved market cap (given, or derived from shares outstanding), which validates the same.
    /// - Throws: ``StoredDayError`` when the stored counts disagree (rejections not all stored yet) or no order
    ///   meets the constraints.
    package func rawRows() throws -> [PriceRow] {
        let date = record.date
        let total = record.receivedRows
        guard valid.count == record.validRows, rejections.count == record.rejectedRows,
            valid.count + rejections.count == total
        else {
            throw StoredDayError.incomplete(
                date: date, received: total, valid: valid.count, rejected: rejections.count
            )
        }
        var slots = [PriceRow?](repeating: nil, count: total)
        for rejection in rejections {
            guard rejection.position >= 0, rejection.position < total, slots[rejection.position] == nil else {
                throw StoredDayError.inconsistent(date: date, detail: "rejection position \(rejection.position)")
            }
            slots[rejection.position] = rejection.row
        }
        var deadline: [String: Int] = [:]
        for rejection in rejections where rejection.reason == .duplicate && rejection.row.date == date {
            deadline[rejection.row.ticker] = min(deadline[rejection.row.ticker] ?? .max, rejection.position)
        }
        let ordered = valid.sorted {
            let lhs = deadline[$0.ticker] ?? .max
            let rhs = deadline[$1.ticker] ?? .max
            return lhs != rhs ? lhs < rhs : $0.ticker < $1.ticker
        }
        var next = ordered.makeIterator()
        for position in slots.indices where slots[position] == nil {
            guard let row = next.next() else { break }
            if let limit = deadline[row.ticker], position > limit {
                throw StoredDayError.inconsistent(
                    date: date, detail: "\(row.ticker) cannot come before its duplicate at \(limit)"
                )
            }
            slots[position] = PriceRow(
                date: date, ticker: row.ticker, open: row.open, high: row.high, low: row.low, close: row.close,
                volume: row.volume, marketCap: row.marketCap
            )
        }
        return try slots.enumerated().map { position, row in
            guard let row else { throw StoredDayError.inconsistent(date: date, detail: "no row at \(position)") }
            return row
        }
    }
}

/// Why a stored day cannot be published again as it was.
package enum StoredDayError: Error, CustomStringConvertible {
    /// Nothing is stored for the date.
    case notStored(SessionDate)
    /// The record's counts and the stored rows disagree: the day's rejections may still be on their way to storage.
    case incomplete(date: SessionDate, received: Int, valid: Int, rejected: Int)
    /// The stored rows cannot be put back in an order that validates the same.
    case inconsistent(date: SessionDate, detail: String)

    /// One line.
    package var description: String {
        switch self {
        case .notStored(let date): "no batch is stored for \(date)"
        case .incomplete(let date, let received, let valid, let rejected):
            "the stored batch of \(date) is incomplete: \(received) rows received, \(valid) valid and \(rejected) "
                + "rejected stored"
        case .inconsistent(let date, let detail): "the stored batch of \(date) cannot be rebuilt exactly: \(detail)"
        }
    }
}

extension IndexDatabase {
    /// The current batch of `date` as stored, in one read snapshot; nil when no batch is stored for the date.
    package func storedDay(on date: SessionDate, index: String = Indexes.defaultID) throws -> StoredDay? {
        try read { connection in
            let day = date.description
            guard
                let record = try connection.queryFirst(
                    ReplaySQL.record, [.text(day), .text(index)],
                    { row in
                        SessionRecord(
                            date: date, batchID: row.string(at: 0), source: row.string(at: 1),
                            receivedRows: row.int(at: 2),
                            validRows: row.int(at: 3), rejectedRows: row.int(at: 4),
                            indexBatchID: row.optionalString(at: 5),
                            sequence: UInt64(clamping: row.int(at: 6))
                        )
                    })
            else { return nil }
            let valid = try connection.query(ReplaySQL.validRows, [.text(day)]) { row in
                ValidRow(
                    ticker: row.string(at: 0), open: try row.doubleKeepingNonFinite(at: 1),
                    high: try row.doubleKeepingNonFinite(at: 2), low: try row.doubleKeepingNonFinite(at: 3),
                    close: row.double(at: 4), volume: try row.doubleKeepingNonFinite(at: 5),
                    marketCap: row.double(at: 6), flags: try FlagCoding.decode(row.string(at: 7))
                )
            }
            let rejections = try connection.query(
                ReplaySQL.rejections, [.text(day), .text(record.batchID)], IndexDatabase.rejection
            )
            let stocks = try connection.query(ReplaySQL.stocks, [.text(day), .text(record.batchID)]) { row in
                StockInfo(
                    ticker: row.string(at: 0), name: row.string(at: 1), sector: row.string(at: 2),
                    exchange: row.string(at: 3)
                )
            }
            let actions = try IndexDatabase.actions(ofBatch: date, in: connection)
            return StoredDay(record: record, valid: valid, rejections: rejections, stocks: stocks, actions: actions)
        }
    }
}
