import Contracts
import Foundation
import StorageDatabase
import Testing
import TradingCalendar

/// Reading a stored day back as the raw batch it was validated from, for a replay from storage.
@Suite("Stored day")
struct StoredDayTests {
    @Test("rejected rows go back to their positions and each valid row before its duplicates")
    func rawOrder() throws {
        let date = Fixture.day1
        // Six rows received: X rejected at 2, duplicates of B at 3 and of Z at 5; A, B and Z valid.
        let rejections = [
            Rejection(row: PriceRow(date: date, ticker: "X", close: -1, marketCap: 5), reason: .badClose, position: 2),
            Rejection(row: PriceRow(date: date, ticker: "B", close: 9, marketCap: 9), reason: .duplicate, position: 3),
            Rejection(row: PriceRow(date: date, ticker: "Z", close: 8, marketCap: 8), reason: .duplicate, position: 5),
        ]
        let valid = [Fixture.row("A", 10), Fixture.row("B", 20), Fixture.row("Z", 30, flags: [.stale])]
        let record = SessionRecord(
            date: date, batchID: "b1", source: "csv", receivedRows: 6, validRows: 3, rejectedRows: 3, indexBatchID: nil
        )
        let rows = try StoredDay(record: record, valid: valid, rejections: rejections, stocks: []).rawRows()
        // B must precede position 3 and Z position 5: B (deadline 3) and Z (deadline 5) take the first free slots.
        #expect(rows.map(\.ticker) == ["B", "Z", "X", "B", "A", "Z"])
        #expect(rows[2].close == -1 && rows[3].close == 9 && rows[5].close == 8)
        #expect(rows[0].close == 20.5 && rows[0].marketCap == 20e9 && rows[0].sharesOutstanding == nil)
        #expect(rows.allSatisfy { $0.date == date })
    }

    @Test("counts that disagree with the stored rows are an error, not a short batch")
    func incompleteDay() throws {
        let record = SessionRecord(
            date: Fixture.day1, batchID: "b1", source: "csv", receivedRows: 3, validRows: 2, rejectedRows: 1,
            indexBatchID: nil
        )
        let day = StoredDay(
            record: record, valid: [Fixture.row("A", 1), Fixture.row("B", 2)], rejections: [], stocks: [])
        #expect(throws: StoredDayError.self) { try day.rawRows() }
    }

    @Test(
        "the database gives the current batch's rows, rejections and stock metadata in one read",
        arguments: BackendKind.allCases)
    func fromTheDatabase(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            let date = Fixture.day2
            let rejection = Rejection(
                row: PriceRow(date: date, ticker: "C", close: .nan, marketCap: 1, sharesOutstanding: 7),
                reason: .badClose,
                position: 1
            )
            // An older batch of the day with another rejection must not leak into the current one.
            try await database.storeRejections([
                RejectionBatch(batchID: "old", date: date, source: "sim", rejections: [rejection]),
                RejectionBatch(batchID: "new", date: date, source: "sim", rejections: [rejection]),
            ])
            try await database.storeValidated([
                Fixture.batch("new", date, rows: [Fixture.row("A", 1), Fixture.row("B", 2)], rejected: 1)
            ])
            let day = try #require(try await database.storedDay(on: date))
            #expect(day.record.batchID == "new")
            #expect(day.valid.map(\.ticker) == ["A", "B"])
            #expect(day.rejections.count == 1)
            #expect(day.rejections.first?.row.close?.isNaN == true)
            #expect(day.rejections.first?.row.sharesOutstanding == 7)
            #expect(day.stocks.map(\.ticker) == ["A", "B"])
            let rows = try day.rawRows()
            #expect(rows.map(\.ticker) == ["A", "C", "B"])
            #expect(try await database.storedDay(on: Fixture.day3) == nil)
        }
    }
}
