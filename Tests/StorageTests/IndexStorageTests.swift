import Contracts
import StorageDatabase
import Testing
import TradingCalendar

@Suite("Index results, compositions and changes")
struct IndexStorageTests {
    /// Three sessions: base {A, B, C}; day2 {A, B, D} (C left, D joined); day3 unchanged.
    func storeThreeSessions(_ database: any StorageBackend) async throws -> [IndexResult] {
        let results = [
            Fixture.result(Fixture.day1, previous: nil, level: 1000, tickers: ["A", "B", "C"], batchID: "p1"),
            Fixture.result(
                Fixture.day2, previous: Fixture.day1, level: 1012.5, tickers: ["A", "B", "D"],
                previousTickers: ["A", "B", "C"], departures: [CompositionChange(ticker: "C", rank: 4, marketCap: 5e8)],
                batchID: "p2", replay: ReplayMark(replayID: "run-7", refetched: true)
            ),
            Fixture.result(
                Fixture.day3, previous: Fixture.day2, level: 1001.25, tickers: ["A", "B", "D"],
                previousTickers: ["A", "B", "D"], batchID: "p3"
            ),
        ]
        try await database.storeIndexResults(results)
        return results
    }

    @Test(
        "an index result reads back exactly as stored, previous tickers, departures and replay included",
        arguments: BackendKind.allCases)
    func exactRoundTrip(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            let results = try await storeThreeSessions(database)
            for result in results {
                #expect(try await database.indexResult(index: Fixture.index, on: result.date) == result)
            }
            #expect(try await database.indexResult(index: Fixture.index, on: Fixture.day4) == nil)
            #expect(try await database.indexResult(index: "other", on: Fixture.day1) == nil)
        }
    }

    @Test(
        "storing a result again replaces its level and constituents, and is idempotent", arguments: BackendKind.allCases
    )
    func replaceResult(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            _ = try await storeThreeSessions(database)
            let replacement = Fixture.result(
                Fixture.day2, previous: Fixture.day1, level: 999, tickers: ["E", "A"],
                previousTickers: ["A", "B", "C"],
                departures: [
                    CompositionChange(ticker: "B", rank: nil, marketCap: nil),
                    CompositionChange(ticker: "C", rank: 9, marketCap: .infinity),
                ]
            )
            try await database.storeIndexResults([replacement, replacement])
            #expect(try await database.indexResult(index: Fixture.index, on: Fixture.day2) == replacement)
            #expect(try await database.status(index: Fixture.index).indexSessions == 3)
        }
    }

    @Test(
        "a retraction deletes the level, constituents and composition event of its date only",
        arguments: BackendKind.allCases)
    func retraction(_ backend: BackendKind) async throws {
        let store = try await backend.makeStore()
        try await store.withDatabase { database in
            _ = try await storeThreeSessions(database)
            try await database.storeCompositionEvents([
                CompositionEvent(
                    index: Fixture.index, date: Fixture.day2, previousDate: Fixture.day1,
                    added: [CompositionChange(ticker: "D", rank: 3, marketCap: 1e9)],
                    removed: [CompositionChange(ticker: "C", rank: 4, marketCap: 5e8)]
                )
            ])
            try await database.storeIndexResults([Fixture.retraction(Fixture.day2, previous: Fixture.day1)])
            #expect(try await database.indexResult(index: Fixture.index, on: Fixture.day2) == nil)
            #expect(try await database.compositionEvent(index: Fixture.index, on: Fixture.day2) == nil)
            #expect(try await database.changes(index: Fixture.index, range: Fixture.all).isEmpty)
            #expect(
                try await database.performance(index: Fixture.index, range: Fixture.all).map(\.date) == [
                    Fixture.day1, Fixture.day3,
                ])
            // The composition on the retracted date is now the previous session's.
            #expect(try await database.composition(index: Fixture.index, on: Fixture.day2).asOf == Fixture.day1)
            let leftovers = try await store.integer("SELECT count(*) FROM index_constituents WHERE date = '2024-01-03'")
            #expect(leftovers == 0)
            // A retraction of a date never stored is a no-op, and so is a redelivered one.
            try await database.storeIndexResults([Fixture.retraction(Fixture.day4, previous: Fixture.day3)])
            try await database.storeIndexResults([Fixture.retraction(Fixture.day2, previous: Fixture.day1)])
            #expect(try await database.status(index: Fixture.index).indexSessions == 2)
        }
    }

    @Test(
        "performance returns the sessions of the range, both ends included, in date order",
        arguments: BackendKind.allCases)
    func performance(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            _ = try await storeThreeSessions(database)
            let points = try await database.performance(
                index: Fixture.index, range: DateRange(start: Fixture.day2, end: Fixture.day4)
            )
            #expect(
                points == [
                    PerformancePoint(date: Fixture.day2, level: 1012.5, dailyReturn: 1012.5 / 1000 - 1),
                    PerformancePoint(date: Fixture.day3, level: 1001.25, dailyReturn: 1001.25 / 1000 - 1),
                ]
            )
            #expect(
                try await database.performance(
                    index: Fixture.index, range: DateRange(start: Fixture.day1, end: Fixture.day1)
                )
                .count == 1)
            #expect(try await database.performance(index: "other", range: Fixture.all).isEmpty)
        }
    }

    @Test(
        "the composition is the latest session's on or before the date, with names and sectors where known",
        arguments: BackendKind.allCases)
    func composition(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            try await database.storeValidated([
                Fixture.batch(
                    "p1", Fixture.day1, rows: [Fixture.row("A", 1), Fixture.row("B", 2)],
                    stocks: [
                        Fixture.stock("A"), StockInfo(ticker: "B", name: "Bee", sector: "Energy", exchange: "NASDAQ"),
                    ])
            ])
            _ = try await storeThreeSessions(database)
            let onSession = try await database.composition(index: Fixture.index, on: Fixture.day1)
            #expect(onSession.asOf == Fixture.day1)
            #expect(onSession.constituents.map(\.constituent.ticker) == ["A", "B", "C"])
            #expect(onSession.constituents.map(\.constituent.rank) == [1, 2, 3])
            #expect(onSession.constituents[1].name == "Bee" && onSession.constituents[1].sector == "Energy")
            #expect(onSession.constituents[2].name == nil && onSession.constituents[2].sector == nil)
            #expect(
                onSession.constituents[0].constituent
                    == Fixture.result(Fixture.day1, previous: nil, level: 1000, tickers: ["A", "B", "C"]).constituents[
                        0])

            // A Saturday after the last session, and a date past it all: the last session's composition.
            let weekend = try await database.composition(index: Fixture.index, on: SessionDate("2024-01-06")!)
            #expect(weekend.asOf == Fixture.day3)
            #expect(weekend.constituents.map(\.constituent.ticker) == ["A", "B", "D"])
            // Before any data: nothing.
            let before = try await database.composition(index: Fixture.index, on: SessionDate("2023-12-29")!)
            #expect(before == CompositionReply(asOf: nil, constituents: []))
        }
    }

    @Test(
        "the range query answers every stored session's composition, as the per-date query does, in one pass",
        arguments: BackendKind.allCases)
    func compositionsOfARange(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            try await database.storeValidated([
                Fixture.batch(
                    "p1", Fixture.day1, rows: [Fixture.row("A", 1), Fixture.row("B", 2)],
                    stocks: [
                        Fixture.stock("A"), StockInfo(ticker: "B", name: "Bee", sector: "Energy", exchange: "NASDAQ"),
                    ])
            ])
            _ = try await storeThreeSessions(database)
            // From the Sunday before the first session to the Saturday after the last; then from day 2 only.
            for range in [
                DateRange(start: SessionDate("2023-12-31")!, end: SessionDate("2024-01-06")!),
                DateRange(start: Fixture.day2, end: SessionDate("2024-01-06")!),
            ] {
                let sessions = try await database.compositions(index: Fixture.index, range: range)
                var answered: [SessionComposition] = []
                var day = range.start
                while day <= range.end {
                    let single = try await database.composition(index: Fixture.index, on: day)
                    if let asOf = single.asOf, asOf == day {
                        answered.append(SessionComposition(date: day, constituents: single.constituents))
                    } else if let asOf = single.asOf, range.contains(asOf) {
                        // A date the composition is carried to (the Saturday): the range holds it at its session.
                        #expect(sessions.first { $0.date == asOf }?.constituents == single.constituents, "\(day)")
                    }
                    day = day.adding(days: 1)
                }
                #expect(sessions == answered)
                #expect(sessions.map(\.date) == [Fixture.day1, Fixture.day2, Fixture.day3].filter(range.contains))
            }
            // The names and sectors are the per-date query's too: B has its metadata, D none.
            let all = try await database.compositions(index: Fixture.index, range: Fixture.all)
            #expect(all[0].constituents[1].name == "Bee" && all[0].constituents[1].sector == "Energy")
            #expect(all[1].constituents[2].constituent.ticker == "D" && all[1].constituents[2].name == nil)
            #expect(try await database.compositions(index: "other", range: Fixture.all).isEmpty)
        }
    }

    @Test("changes lists only sessions with a change, in date order, entries by rank", arguments: BackendKind.allCases)
    func changes(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            let day5 = SessionDate("2024-01-08")!
            let events = [
                CompositionEvent(
                    index: Fixture.index, date: Fixture.day2, previousDate: Fixture.day1,
                    added: [CompositionChange(ticker: "D", rank: 3, marketCap: 1e9)],
                    removed: [CompositionChange(ticker: "C", rank: 4, marketCap: 5e8)]
                ),
                CompositionEvent(
                    index: Fixture.index, date: Fixture.day3, previousDate: Fixture.day2, added: [], removed: []),
                CompositionEvent(
                    index: Fixture.index, date: day5, previousDate: Fixture.day4,
                    added: [
                        CompositionChange(ticker: "Y", rank: 1, marketCap: 9e9),
                        CompositionChange(ticker: "X", rank: 2, marketCap: 8e9),
                    ],
                    removed: [
                        CompositionChange(ticker: "B", rank: 7, marketCap: 1e8),
                        CompositionChange(ticker: "Q", rank: nil, marketCap: nil),
                        CompositionChange(ticker: "A", rank: nil, marketCap: nil),
                    ]
                ),
                CompositionEvent(
                    index: Fixture.index, date: Fixture.day4, previousDate: Fixture.day3,
                    added: [CompositionChange(ticker: "C", rank: 2, marketCap: 2e9)], removed: []
                ),
            ]
            // Delivered out of order, and twice.
            try await database.storeCompositionEvents(events)
            try await database.storeCompositionEvents(events.reversed())
            let all = try await database.changes(index: Fixture.index, range: Fixture.all)
            #expect(all == [events[0], events[3], events[2]])
            #expect(
                try await database.changes(
                    index: Fixture.index, range: DateRange(start: Fixture.day3, end: Fixture.day4)) == [
                        events[3]
                    ])
            #expect(try await database.changes(index: "other", range: Fixture.all).isEmpty)
            // The session without a change was processed: its event is stored, it just is not a change.
            #expect(try await database.compositionEvent(index: Fixture.index, on: Fixture.day3) == events[1])
            #expect(try await database.compositionEvent(index: Fixture.index, on: day5) == events[2])
            #expect(try await database.compositionEvent(index: Fixture.index, on: Fixture.day1) == nil)
        }
    }

    @Test("a new event for a session replaces its changes", arguments: BackendKind.allCases)
    func replaceEvent(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            let first = CompositionEvent(
                index: Fixture.index, date: Fixture.day2, previousDate: Fixture.day1,
                added: [CompositionChange(ticker: "D", rank: 3, marketCap: 1e9)], removed: []
            )
            let second = CompositionEvent(
                index: Fixture.index, date: Fixture.day2, previousDate: Fixture.day1, added: [], removed: []
            )
            try await database.storeCompositionEvents([first])
            #expect(try await database.changes(index: Fixture.index, range: Fixture.all) == [first])
            try await database.storeCompositionEvents([second])
            #expect(try await database.changes(index: Fixture.index, range: Fixture.all).isEmpty)
            #expect(try await database.compositionEvent(index: Fixture.index, on: Fixture.day2) == second)
        }
    }

    @Test(
        "an older result arriving after a newer one of its date changes nothing; a retraction guards its date too",
        arguments: BackendKind.allCases)
    func olderResultLoses(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            let base = Fixture.result(Fixture.day1, previous: nil, level: 1000, tickers: ["A", "B"], batchID: "p1")
            // Day 2 first computed as the base (day 1 not yet known), then again on top of day 1.
            let early = Fixture.result(Fixture.day2, previous: nil, level: 1000, tickers: ["B", "C"], batchID: "p2")
            let late = Fixture.result(
                Fixture.day2, previous: Fixture.day1, level: 1025, tickers: ["B", "C"], previousTickers: ["A", "B"],
                batchID: "p2")
            try await database.storeIndexResults([base, late], sequences: [11, 12])
            // The early result is delivered again (its first write failed, or its acknowledgement came too late).
            try await database.storeIndexResults([early], sequences: [10])
            #expect(try await database.indexResult(index: Fixture.index, on: Fixture.day2) == late)
            // The same message again is idempotent; a newer one wins.
            try await database.storeIndexResults([late], sequences: [12])
            #expect(try await database.indexResult(index: Fixture.index, on: Fixture.day2) == late)
            try await database.storeIndexResults(
                [Fixture.retraction(Fixture.day2, previous: Fixture.day1)], sequences: [13])
            #expect(try await database.indexResult(index: Fixture.index, on: Fixture.day2) == nil)
            try await database.storeIndexResults([late], sequences: [12])
            #expect(try await database.indexResult(index: Fixture.index, on: Fixture.day2) == nil)
            // Another index's or date's sequences are their own.
            try await database.storeIndexResults([base], sequences: [1])
            #expect(try await database.indexResult(index: Fixture.index, on: Fixture.day1) == base)
        }
    }

    @Test(
        "an event derived from an older result than the stored event's is left out; a base result drops its event",
        arguments: BackendKind.allCases)
    func olderEventLoses(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            _ = try await storeThreeSessions(database)
            func event(_ added: String, result: UInt64?) -> CompositionEvent {
                CompositionEvent(
                    index: Fixture.index, date: Fixture.day2, previousDate: Fixture.day1,
                    added: [CompositionChange(ticker: added, rank: 3, marketCap: 1e9)], removed: [],
                    resultSequence: result)
            }
            try await database.storeCompositionEvents([event("D", result: 20)])
            try await database.storeCompositionEvents([event("X", result: 19)])
            #expect(
                try await database.compositionEvent(index: Fixture.index, on: Fixture.day2)?.added.map(\.ticker) == [
                    "D"
                ])
            try await database.storeCompositionEvents([event("Y", result: 21)])
            #expect(
                try await database.compositionEvent(index: Fixture.index, on: Fixture.day2)?.added.map(\.ticker) == [
                    "Y"
                ])

            // Day 2 becomes the base (the sessions before it were retracted): a base has no event.
            try await database.storeIndexResults(
                [Fixture.result(Fixture.day2, previous: nil, level: 1000, tickers: ["A"], batchID: "p2")],
                sequences: [30])
            #expect(try await database.compositionEvent(index: Fixture.index, on: Fixture.day2) == nil)
        }
    }

    @Test(
        "stream sequences are kept for the streams they came from and forgotten for streams made again",
        arguments: BackendKind.allCases)
    func streamEpochs(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            let base = Fixture.result(Fixture.day1, previous: nil, level: 1000, tickers: ["A", "B"], batchID: "p1")
            let later = Fixture.result(Fixture.day1, previous: nil, level: 1000, tickers: ["B", "C"], batchID: "p1")
            #expect(try await database.adoptStreamEpochs([.validatedPrices: 100, .indexResults: 200]).isEmpty)
            try await database.storeIndexResults([base], sequences: [50])
            _ = try await database.storeValidated(
                [Fixture.batch("b1", Fixture.day1, rows: [Fixture.row("A", 1)])], sequences: [40])

            // The same streams: the sequences stand, an older message still loses.
            #expect(try await database.adoptStreamEpochs([.validatedPrices: 100, .indexResults: 200]).isEmpty)
            try await database.storeIndexResults([later], sequences: [3])
            #expect(try await database.indexResult(index: Fixture.index, on: Fixture.day1) == base)

            // INDEX made again: its sequences start over, so the stored ones are forgotten; PRICES_VALID's stay.
            #expect(
                try await database.adoptStreamEpochs([.validatedPrices: 100, .indexResults: 201]) == [.indexResults])
            try await database.storeIndexResults([later], sequences: [3])
            #expect(try await database.indexResult(index: Fixture.index, on: Fixture.day1) == later)
            #expect(try await database.sessionRecords(index: Fixture.index, range: Fixture.all).map(\.sequence) == [40])

            // PRICES_VALID made again: a day's batch at a low sequence replaces the stored one.
            #expect(
                try await database.adoptStreamEpochs([.validatedPrices: 101, .indexResults: 201]) == [.validatedPrices])
            #expect(try await database.sessionRecords(index: Fixture.index, range: Fixture.all).map(\.sequence) == [0])
        }
    }
}
