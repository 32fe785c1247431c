import Contracts
import Methodology
import StorageDatabase
import TradingCalendar

/// Answers ``StoredBatchQuery``: a stored session rebuilt as its raw batch, checked to validate to what is stored.
package struct StoredBatchReader: Sendable {
    private let database: any StorageBackend

    /// A reader over `database`.
    package init(database: any StorageBackend) {
        self.database = database
    }

    /// The stored batch of `date`, rebuilt.
    ///
    /// The whole day is rebuilt and validated again (without history: flags are not compared, the validator sets
    /// them again from stored closes) before it goes out: a day whose rebuilt rows would not give the stored valid
    /// rows and rejections is refused rather than replayed differently.
    package func batch(_ date: SessionDate) async throws -> PriceBatch {
        guard let day = try await database.storedDay(on: date) else { throw StoredDayError.notStored(date) }
        let rows = try day.rawRows()
        try Self.verify(rows, against: day)
        return PriceBatch(
            batchID: day.record.batchID, date: date, source: day.record.source, rows: rows, stocks: day.stocks,
            actions: day.actions.map(\.action)
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
