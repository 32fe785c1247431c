import Contracts
import Foundation
import StorageDatabase
import Testing
import TradingCalendar

/// A definition's history in bulk: pages of many sessions' rows, and a range of a series replaced in one command.
@Suite("A definition's history in storage")
struct HistoryStorageTests {
    /// Four stored days: day 3 without valid rows; rows stored out of ticker order.
    func stored(_ database: any StorageBackend) async throws {
        try await database.storeValidated([
            Fixture.batch("b1", Fixture.day1, rows: [Fixture.row("MSFT", 30), Fixture.row("AAPL", 20.125)]),
            Fixture.batch(
                "b2", Fixture.day2, rows: [Fixture.row("ZZ", 5), Fixture.row("AAPL", 21), Fixture.row("Ä", 7)]),
            Fixture.batch("b3", Fixture.day3, rows: [], rejected: 2),
            Fixture.batch("b4", Fixture.day4, rows: [Fixture.row("AAPL", 22)]),
        ])
    }

    /// What a page holds of a stored row: ticker, close and market cap only.
    func slim(_ row: ValidRow) -> ValidRow {
        ValidRow(
            ticker: row.ticker, open: nil, high: nil, low: nil, close: row.close, volume: nil, marketCap: row.marketCap)
    }

    @Test(
        "a page holds every stored session of the range in date order, rows by ticker with close and market cap",
        arguments: BackendKind.allCases)
    func onePage(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            try await stored(database)
            let page = try await database.sessionRows(range: Fixture.all, maxBytes: 1 << 20).decoded()
            #expect(page.next == nil)
            #expect(page.sessions.map(\.date) == [Fixture.day1, Fixture.day2, Fixture.day3, Fixture.day4])
            #expect(page.sessions.map(\.batchID) == ["b1", "b2", "b3", "b4"])
            #expect(page.sessions[0].rows == [Fixture.row("AAPL", 20.125), Fixture.row("MSFT", 30)].map(slim))
            #expect(page.sessions[1].rows.map(\.ticker) == ["AAPL", "ZZ", "Ä"])
            #expect(page.sessions[2].rows.isEmpty)
            // Exactly the rows the per-session query reads, but for the columns the calculation does not need.
            for session in page.sessions {
                #expect(try await database.validRows(on: session.date)?.rows.map(slim) == session.rows)
            }
            let inner = try await database.sessionRows(
                range: DateRange(start: Fixture.day2, end: Fixture.day3), maxBytes: 1 << 20
            ).decoded()
            #expect(inner.sessions.map(\.date) == [Fixture.day2, Fixture.day3] && inner.next == nil)
            #expect(
                try await database.sessionRows(
                    range: DateRange(start: Fixture.day4.adding(days: 1), end: Fixture.all.end), maxBytes: 1 << 20
                ).decoded() == SessionRowsReply(sessions: [], next: nil))
        }
    }

    @Test(
        "small pages: each within the limit (a session alone when larger), together the one page, in order",
        arguments: BackendKind.allCases)
    func pages(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            try await stored(database)
            let whole = try await database.sessionRows(range: Fixture.all, maxBytes: 1 << 20).decoded()
            for limit in [1, 60, 90, 120, 200] {
                var sessions: [SessionRows] = []
                var range = Fixture.all
                var pages = 0
                while true {
                    let encoded = try await database.sessionRows(range: range, maxBytes: limit)
                    let page = try encoded.decoded()
                    pages += 1
                    #expect(!page.sessions.isEmpty)
                    let size = encoded.data.count
                    #expect(try page.encoded() == encoded.data)
                    #expect(page.sessions.count == 1 || size <= limit, "limit \(limit)")
                    sessions += page.sessions
                    guard let next = page.next else { break }
                    #expect(next > page.sessions.last!.date)
                    range.start = next
                }
                #expect(sessions == whole.sessions, "limit \(limit)")
                #expect(limit > 1 || pages == 4)
            }
        }
    }

    @Test(
        "a session's rows kept encoded answer the same bytes as its rows read from prices; a stale or damaged copy is not read",
        arguments: [BackendKind.sqlite])
    func keptRows(_ backend: BackendKind) async throws {
        let store = try await backend.makeStore()
        try await store.withDatabase { database in
            try await stored(database)
            // Day 2 replaced by a batch of other rows: its copy follows.
            try await database.storeValidated([
                Fixture.batch("b2-again", Fixture.day2, rows: [Fixture.row("ZZ", 6), Fixture.row("BB", 9.5)])
            ])
            #expect(try await store.integer("SELECT count(*) FROM session_rows") == 4)
            #expect(try await store.integer("SELECT count(*) FROM session_rows WHERE batch_id = 'b2-again'") == 1)
            let kept = try await database.sessionRows(range: Fixture.all, maxBytes: 1 << 20)
            let page = try kept.decoded()
            #expect(page.sessions[1].rows == [Fixture.row("BB", 9.5), Fixture.row("ZZ", 6)].map(slim))
            for session in page.sessions {
                #expect(try await database.validRows(on: session.date)?.rows.map(slim) == session.rows)
            }
            // Pages of every size, with and without the copies, byte for byte.
            func pages(_ limit: Int) async throws -> [Data] {
                var range = Fixture.all
                var pages: [Data] = []
                while true {
                    let page = try await database.sessionRows(range: range, maxBytes: limit)
                    pages.append(page.data)
                    guard let next = try page.decoded().next else { return pages }
                    range.start = next
                }
            }
            let limits = [1, 60, 90, 120, 1 << 20]
            var withCopies: [[Data]] = []
            for limit in limits { withCopies.append(try await pages(limit)) }
            // The copy is what is read: day 4's replaced by other rows shows in the page.
            func setDay4(_ rows: [ValidRow]) async throws {
                let hex = SessionRowsReply.encodedRows(rows).map { String(format: "%02x", $0) }.joined()
                let literal = backend == .sqlite ? "X'\(hex)'" : "'\\x\(hex)'::bytea"
                try await store.execute("UPDATE session_rows SET rows = \(literal) WHERE batch_id = 'b4'")
            }
            try await setDay4([Fixture.row("AAPL", 99)])
            let altered = try await database.sessionRows(range: Fixture.all, maxBytes: 1 << 20).decoded()
            #expect(altered.sessions[3].rows == [slim(Fixture.row("AAPL", 99))])
            try await setDay4([Fixture.row("AAPL", 22)])
            #expect(try await pages(1 << 20) == withCopies.last)
            // A copy of another batch of the day, and one cut short: both read from prices instead.
            try await store.execute("UPDATE session_rows SET batch_id = 'b0' WHERE batch_id = 'b1'")
            try await store.execute("UPDATE session_rows SET rows = substr(rows, 1, 5) WHERE batch_id = 'b2-again'")
            for (limit, expected) in zip(limits, withCopies) {
                #expect(try await pages(limit) == expected, "limit \(limit)")
            }
            try await store.execute("DELETE FROM session_rows")
            for (limit, expected) in zip(limits, withCopies) {
                #expect(try await pages(limit) == expected, "limit \(limit)")
            }
        }
    }

    @Test("PostgreSQL does not keep the copy: its table stays empty, its pages are read from prices")
    func postgresKeepsNoCopy() async throws {
        let store = try await BackendKind.postgres.makeStore()
        try await store.withDatabase { database in
            try await stored(database)
            #expect(try await store.integer("SELECT count(*) FROM session_rows") == 0)
            let page = try await database.sessionRows(range: Fixture.all, maxBytes: 1 << 20).decoded()
            for session in page.sessions {
                #expect(try await database.validRows(on: session.date)?.rows.map(slim) == session.rows)
            }
        }
    }

    /// A series of three sessions with a departure, a carried member and turnover, and its events.
    func series(_ index: String) -> (results: [IndexResult], events: [CompositionEvent]) {
        var first = Fixture.result(Fixture.day1, previous: nil, level: 1000, tickers: ["A", "B"])
        var second = Fixture.result(
            Fixture.day2, previous: Fixture.day1, level: 1010.5, tickers: ["A", "C"], previousTickers: ["A", "B"],
            departures: [CompositionChange(ticker: "B", rank: nil, marketCap: nil)]
        )
        second.turnover = 0.5
        var third = Fixture.result(
            Fixture.day4, previous: Fixture.day2, level: 1003.25, tickers: ["A", "C"], previousTickers: ["A", "C"])
        third.constituents[1].lastCloseDate = Fixture.day2
        first.index = index
        second.index = index
        third.index = index
        let events = [
            CompositionEvent(
                index: index, date: Fixture.day2, previousDate: Fixture.day1,
                added: [CompositionChange(ticker: "C", rank: 2, marketCap: 98e9)],
                removed: [CompositionChange(ticker: "B", rank: nil, marketCap: nil)], turnover: 0.5
            ),
            CompositionEvent(index: index, date: Fixture.day4, previousDate: Fixture.day2, added: [], removed: []),
        ]
        return ([first, second, third], events)
    }

    /// Everything stored of `index`: levels, each session's result, the changes and each session's event.
    func everything(_ database: any StorageBackend, _ index: String) async throws -> String {
        let points = try await database.performance(index: index, range: Fixture.all)
        var text =
            "\(points.map { "\($0.date) \($0.level.bitPattern) \($0.dailyReturn.bitPattern) \(String(describing: $0.turnover?.bitPattern))" })"
        for point in points {
            text += "\n\(String(describing: try await database.indexResult(index: index, on: point.date)))"
            text += "\n\(String(describing: try await database.compositionEvent(index: index, on: point.date)))"
        }
        text += "\n\(try await database.changes(index: index, range: Fixture.all))"
        return text
    }

    @Test("a history command stores what the per-result writes store, idempotently", arguments: BackendKind.allCases)
    func sameAsPerResult(_ backend: BackendKind) async throws {
        try await backend.withDatabase { bulk in
            try await backend.withDatabase { single in
                let (results, events) = series(Fixture.index)
                try await single.storeIndexResults(results)
                try await single.storeCompositionEvents(events)
                let command = StoreHistoryCommand(
                    index: Fixture.index, range: Fixture.all, results: results, events: events)
                #expect(try await bulk.storeHistory(command) == 3)
                let expected = try await everything(single, Fixture.index)
                #expect(try await everything(bulk, Fixture.index) == expected)
                #expect(try await bulk.indexResult(index: Fixture.index, on: Fixture.day4) == results[2])
                #expect(try await bulk.storeHistory(command) == 3)
                #expect(try await everything(bulk, Fixture.index) == expected)
            }
        }
    }

    @Test(
        "a command replaces its range only: stored sessions in it without a result go, those outside stay",
        arguments: BackendKind.allCases)
    func replacesItsRange(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            let (results, events) = series(Fixture.index)
            try await database.storeIndexResults(results)
            try await database.storeCompositionEvents(events)
            let range = DateRange(start: Fixture.day2, end: Fixture.day3)
            var replaced = results[1]
            replaced.level = 999
            #expect(
                try await database.storeHistory(
                    StoreHistoryCommand(index: Fixture.index, range: range, results: [replaced], events: [])) == 1)
            #expect(
                try await database.performance(index: Fixture.index, range: Fixture.all).map(\.level) == [
                    1000, 999, 1003.25,
                ])
            #expect(try await database.compositionEvent(index: Fixture.index, on: Fixture.day2) == nil)
            #expect(try await database.compositionEvent(index: Fixture.index, on: Fixture.day4) == events[1])
            #expect(
                try await database.storeHistory(
                    StoreHistoryCommand(index: Fixture.index, range: range, results: [], events: []))
                    == 0)
            #expect(
                try await database.performance(index: Fixture.index, range: Fixture.all).map(\.date) == [
                    Fixture.day1, Fixture.day4,
                ])
        }
    }

    @Test(
        "a command for an index that is not defined stores nothing; one with a result outside its range fails whole",
        arguments: BackendKind.allCases)
    func refused(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            let (results, events) = series("gone")
            let stored = try await database.storeHistory(
                StoreHistoryCommand(index: "gone", range: Fixture.all, results: results, events: events))
            #expect(stored == 0)
            #expect(try await database.performance(index: "gone", range: Fixture.all).isEmpty)
            let (own, ownEvents) = series(Fixture.index)
            let narrow = DateRange(start: Fixture.day1, end: Fixture.day2)
            var failed = false
            do {
                _ = try await database.storeHistory(
                    StoreHistoryCommand(index: Fixture.index, range: narrow, results: own, events: ownEvents))
            } catch {
                failed = true
            }
            #expect(failed)
            #expect(try await database.performance(index: Fixture.index, range: Fixture.all).isEmpty)
        }
    }
}
