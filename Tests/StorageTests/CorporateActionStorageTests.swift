import Contracts
import Foundation
import StorageDatabase
import Testing
import TradingCalendar

@Suite("Corporate actions in storage")
struct CorporateActionStorageTests {
    func decided(
        _ date: SessionDate, _ ticker: String, _ kind: String, _ value: Double?,
        _ rejection: ActionRejectionReason? = nil
    ) -> ValidatedAction {
        ValidatedAction(
            action: CorporateAction(date: date, ticker: ticker, kind: kind, value: value), rejection: rejection)
    }

    func batch(_ id: String, _ date: SessionDate, actions: [ValidatedAction]) -> ValidatedBatch {
        var batch = Fixture.batch(id, date, rows: [Fixture.row("A", 1), Fixture.row("B", 2)])
        batch.actions = actions
        return batch
    }

    @Test(
        "actions are stored with their rejections, read by range and ticker, accepted only on request",
        arguments: BackendKind.allCases)
    func storedAndRead(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            let day2 = [
                decided(Fixture.day2, "B", "cash_dividend", 0.5), decided(Fixture.day2, "A", "split", 2),
                decided(Fixture.day2, "A", "split", 3, .duplicate),
                decided(Fixture.day2, "C", "merger", nil, .unknownKind),
                decided(Fixture.day2, "D", "special_dividend", .nan, .badValue),
            ]
            let day3 = [decided(Fixture.day3, "A", "special_dividend", 1.25)]
            try await database.storeValidated([
                batch("b2", Fixture.day2, actions: day2), batch("b3", Fixture.day3, actions: day3),
            ])
            let all = try await database.corporateActions(range: DateRange(start: Fixture.day1, end: Fixture.day3))
            // Date, ticker, then the batch's order.
            #expect(all.map(\.action.ticker) == ["A", "A", "B", "C", "D", "A"])
            #expect(all.map(\.rejection) == [nil, .duplicate, nil, .unknownKind, .badValue, nil])
            #expect(all[0] == day2[1])
            #expect(all[3].action.value == nil)
            #expect(all[4].action.value?.isNaN == true)
            let onlyA = try await database.corporateActions(
                range: DateRange(start: Fixture.day1, end: Fixture.day3), ticker: "A")
            #expect(onlyA.map(\.action.value) == [2, 3, 1.25])
            let accepted = try await database.corporateActions(
                range: DateRange(start: Fixture.day3, end: Fixture.day3), acceptedOnly: true)
            #expect(accepted == day3)
            let splits = try await database.acceptedSplits(range: DateRange(start: Fixture.day1, end: Fixture.day3))
            #expect(splits == [AcceptedAction(date: Fixture.day2, ticker: "A", kind: .split, value: 2)])
        }
    }

    @Test(
        "a new batch for a day replaces its actions; a redelivery changes nothing; the day republishes them",
        arguments: BackendKind.allCases)
    func replacedWithTheDay(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            let first = batch("b2", Fixture.day2, actions: [decided(Fixture.day2, "A", "split", 2)])
            try await database.storeValidated([first])
            try await database.storeValidated([first])
            let range = DateRange(start: Fixture.day2, end: Fixture.day2)
            #expect(try await database.corporateActions(range: range).count == 1)
            let second = batch(
                "b2-again", Fixture.day2,
                actions: [
                    decided(Fixture.day2, "B", "cash_dividend", 0.1),
                    decided(Fixture.day2, "B", "bogus", 1, .unknownKind),
                ])
            try await database.storeValidated([second])
            #expect(try await database.corporateActions(range: range) == second.actions)
            let stored = try #require(try await database.storedDay(on: Fixture.day2))
            #expect(stored.actions == second.actions)
            // A batch without actions empties the day's.
            try await database.storeValidated([batch("b2-third", Fixture.day2, actions: [])])
            #expect(try await database.corporateActions(range: range).isEmpty)
        }
    }
}
