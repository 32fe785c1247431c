import Contracts
import Methodology
import StorageDatabase
import TradingCalendar

/// Answers ``StoredBatchQuery``: a stored session rebuilt as its raw batch, checked to validate to what is stored.
package struct StoredBatchReader: Sendable {
    private let database: IndexDatabase

    /// A reader over `database`.
    package init(database: IndexDatabase) {
        self.database = database
    }

    /// Chunk `query.chunk` of the stored batch of `query.date`.
    ///
    /// The whole day is rebuilt and validated again (without history: flags are not compared, the validator sets
    /// them again from stored closes) before a chunk goes out: a day whose rebuilt rows would not give the stored
    /// valid rows and rejections is refused rather than replayed differently.
    package func answer(_ query: StoredBatchQuery) throws -> PriceBatch {
        guard query.chunkRows > 0, query.chunk >= 0 else {
            throw StoredBatchError.badRequest("chunk \(query.chunk) of \(query.chunkRows) rows")
        }
        guard let day = try database.storedDay(on: query.date) else { throw StoredDayError.notStored(query.date) }
        let rows = try day.rawRows()
        try Self.verify(rows, against: day)
        let count = max(1, (rows.count + query.chunkRows - 1) / query.chunkRows)
        guard query.chunk < count else {
            throw StoredBatchError.badRequest("chunk \(query.chunk) of a batch in \(count) chunk(s)")
        }
        let start = min(rows.count, query.chunk * query.chunkRows)
        let end = min(rows.count, start + query.chunkRows)
        return PriceBatch(
            batchID: day.record.batchID, date: query.date, source: day.record.source,
            chunk: ChunkInfo(index: query.chunk, count: count), rows: Array(rows[start..<end]),
            stocks: query.chunk == 0 ? day.stocks : []
        )
    }

    /// Throws unless `rows` validate to the stored rejections (same positions and reasons) and valid rows.
    static func verify(_ rows: [PriceRow], against day: StoredDay) throws {
        let outcome = Validation.validate(rows: rows, calendar: .standard, history: TickerHistory())
        let rejected = outcome.rejections.map { "\($0.position):\($0.reason.rawValue)" }
        let stored = day.rejections.map { "\($0.position):\($0.reason.rawValue)" }
        guard rejected == stored else {
            throw StoredDayError.inconsistent(date: day.record.date, detail: "the rebuilt rows reject differently")
        }
        func unflagged(_ rows: [ValidRow]) -> [ValidRow] {
            rows.map { row in
                var row = row
                row.flags = []
                return row
            }.sorted { $0.ticker < $1.ticker }
        }
        guard unflagged(outcome.valid) == unflagged(day.valid) else {
            throw StoredDayError.inconsistent(date: day.record.date, detail: "the rebuilt rows validate differently")
        }
    }
}

/// A stored-batch query that cannot be answered as asked.
package enum StoredBatchError: Error, CustomStringConvertible {
    /// The chunk asked for does not exist.
    case badRequest(String)

    /// One line.
    package var description: String {
        switch self {
        case .badRequest(let detail): "bad stored-batch query: \(detail)"
        }
    }
}
