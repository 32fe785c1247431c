import Contracts
import Foundation
import StorageDatabase
import Testing
import TradingCalendar

@Suite("Index definitions in storage")
struct DefinitionStorageTests {
    let builtIn = IndexDefinition.builtIn()

    var tech: IndexDefinition {
        IndexDefinition(
            id: "tech50", name: "Tech 50", size: 50, universe: .init(sectors: ["Tech"]),
            weighting: .cappedMarketCap, cap: 0.1, rebalance: .monthly, buffer: 5, returnKind: .total,
            baseLevel: 100
        )
    }

    func result(_ index: String, _ date: SessionDate, previous: SessionDate?, level: Double) -> IndexResult {
        var result = Fixture.result(date, previous: previous, level: level, tickers: ["A", "B"])
        result.index = index
        return result
    }

    @Test(
        "an added definition reads back field for field after the built-in ones, with its job and sessions",
        arguments: BackendKind.allCases)
    func addAndRead(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            let reply = try await database.addDefinition(tech, jobID: "job-1", builtIn: builtIn)
            #expect(reply.created)
            #expect(reply.definition.definition == tech)
            #expect(reply.definition.jobID == "job-1")
            #expect(reply.definition.createdAt != nil)
            #expect(reply.definition.sessions == 0 && reply.definition.firstSession == nil)

            try await database.storeIndexResults([
                result("tech50", Fixture.day1, previous: nil, level: 100),
                result("tech50", Fixture.day2, previous: Fixture.day1, level: 101),
            ])
            let all = try await database.definitions(builtIn: builtIn)
            #expect(all.map(\.definition.id) == ["ew100", "ew100-tr", "tech50"])
            #expect(all.map(\.builtIn) == [true, true, false])
            let stored = try #require(all.last)
            #expect(stored.definition == tech)
            #expect(stored.firstSession == Fixture.day1 && stored.lastSession == Fixture.day2 && stored.sessions == 2)
            #expect(try await database.definitions(builtIn: builtIn, id: "tech50") == [stored])
            #expect(try await database.definitions(builtIn: builtIn, id: "ew100-tr").map(\.definition) == [builtIn[1]])
            #expect(try await database.definitions(builtIn: builtIn, id: "nope").isEmpty)
        }
    }

    @Test("an id in use is refused and changes nothing, a built-in one included", arguments: BackendKind.allCases)
    func idInUse(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            _ = try await database.addDefinition(tech, jobID: "job-1", builtIn: builtIn)
            var other = tech
            other.size = 10
            let again = try await database.addDefinition(other, jobID: "job-2", builtIn: builtIn)
            #expect(!again.created)
            #expect(again.definition.definition.size == 50 && again.definition.jobID == "job-1")
            let builtInAgain = try await database.addDefinition(
                IndexDefinition(id: "ew100", size: 3), jobID: "j", builtIn: builtIn)
            #expect(!builtInAgain.created && builtInAgain.definition.builtIn)
            #expect(try await database.definitions(builtIn: builtIn).count == 3)
        }
    }

    @Test(
        "removing a definition removes its results, constituents and changes, not another index's",
        arguments: BackendKind.allCases)
    func remove(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            _ = try await database.addDefinition(tech, jobID: "job-1", builtIn: builtIn)
            try await database.storeIndexResults([
                result("tech50", Fixture.day1, previous: nil, level: 100),
                result("tech50", Fixture.day2, previous: Fixture.day1, level: 101),
                result("ew100", Fixture.day1, previous: nil, level: 1000),
            ])
            try await database.storeCompositionEvents([
                CompositionEvent(
                    index: "tech50", date: Fixture.day2, previousDate: Fixture.day1,
                    added: [CompositionChange(ticker: "C", rank: 2, marketCap: 1)], removed: []
                )
            ])
            #expect(try await database.removeDefinition("ew100", builtIn: builtIn) == .builtIn)
            #expect(try await database.removeDefinition("nope", builtIn: builtIn) == .unknown)
            #expect(try await database.removeDefinition("tech50", builtIn: builtIn) == .removed)
            #expect(try await database.definitions(builtIn: builtIn).map(\.definition.id) == ["ew100", "ew100-tr"])
            #expect(try await database.performance(index: "tech50", range: Fixture.all).isEmpty)
            #expect(try await database.compositions(index: "tech50", range: Fixture.all).isEmpty)
            #expect(try await database.compositionEvent(index: "tech50", on: Fixture.day2) == nil)
            #expect(try await database.performance(index: "ew100", range: Fixture.all).count == 1)
            #expect(try await database.removeDefinition("tech50", builtIn: builtIn) == .unknown)
        }
    }

    @Test(
        "results of an index that is not defined (removed while in flight) are not kept",
        arguments: BackendKind.allCases)
    func undefinedResults(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            try await database.storeIndexResults([result("gone", Fixture.day1, previous: nil, level: 100)])
            try await database.storeCompositionEvents([
                CompositionEvent(index: "gone", date: Fixture.day2, previousDate: Fixture.day1, added: [], removed: [])
            ])
            #expect(try await database.performance(index: "gone", range: Fixture.all).isEmpty)
            #expect(try await database.compositionEvent(index: "gone", on: Fixture.day2) == nil)
            // Added again later, it starts from nothing.
            _ = try await database.addDefinition(IndexDefinition(id: "gone"), jobID: "job-3", builtIn: builtIn)
            #expect(try await database.definitions(builtIn: builtIn, id: "gone").first?.sessions == 0)
        }
    }

    @Test(
        "a carried constituent keeps the date of its close (q_i) through storage; stocks read back",
        arguments: BackendKind.allCases)
    func carriedClose(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            _ = try await database.addDefinition(tech, jobID: "job-1", builtIn: builtIn)
            var result = result("tech50", Fixture.day2, previous: Fixture.day1, level: 101)
            result.constituents[1].lastCloseDate = Fixture.day1
            try await database.storeIndexResults([result])
            let stored = try #require(try await database.indexResult(index: "tech50", on: Fixture.day2))
            #expect(stored.constituents.map(\.lastCloseDate) == [nil, Fixture.day1])
            let compositions = try await database.compositions(index: "tech50", range: Fixture.all)
            #expect(compositions.first?.constituents.map(\.constituent.lastCloseDate) == [nil, Fixture.day1])
            #expect(
                try await database.composition(index: "tech50", on: Fixture.day2).constituents.map(
                    \.constituent.lastCloseDate)
                    == [nil, Fixture.day1])

            try await database.storeValidated([
                Fixture.batch("b1", Fixture.day1, rows: [Fixture.row("A", 1)], stocks: [Fixture.stock("A")])
            ])
            #expect(try await database.stocks() == [Fixture.stock("A")])
        }
    }
}
