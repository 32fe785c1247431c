import Contracts
import StorageDatabase
import Testing
import TradingCalendar

@Suite("Prices, sessions and rejections")
struct PriceStorageTests {
    @Test("a redelivered batch changes nothing: same rows, same counts, same record", arguments: BackendKind.allCases)
    func redelivery(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            let batch = Fixture.batch(
                "b1", Fixture.day1, rows: [Fixture.row("AAA", 10), Fixture.row("BBB", 20, flags: [.priceJump])],
                rejected: 1
            )
            #expect(try await database.storeValidated([batch]) == 1)
            let first = try await database.validRows(on: Fixture.day1)
            let firstStatus = try await database.status(index: Fixture.index)
            #expect(try await database.storeValidated([batch, batch]) == 0)
            let second = try await database.validRows(on: Fixture.day1)
            #expect(second?.rows == first?.rows)
            #expect(second?.record == first?.record)
            #expect(try await database.status(index: Fixture.index) == firstStatus)
            #expect(firstStatus.priceRows == 2)
            #expect(
                first?.record
                    == SessionRecord(
                        date: Fixture.day1, batchID: "b1", source: "sim", receivedRows: 3, validRows: 2,
                        rejectedRows: 1,
                        indexBatchID: nil
                    ))
        }
    }

    @Test(
        "a new batch for a day replaces the day: vanished rows are gone, counts are the new batch's",
        arguments: BackendKind.allCases)
    func replacement(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            try await database.storeValidated([
                Fixture.batch("b1", Fixture.day1, rows: [Fixture.row("AAA", 10), Fixture.row("BBB", 20)]),
                Fixture.batch("c1", Fixture.day2, rows: [Fixture.row("AAA", 11)]),
            ])
            try await database.storeValidated([
                Fixture.batch("b2", Fixture.day1, rows: [Fixture.row("BBB", 21), Fixture.row("CCC", 30)], rejected: 4)
            ])
            let day1 = try #require(try await database.validRows(on: Fixture.day1))
            #expect(day1.rows == [Fixture.row("BBB", 21), Fixture.row("CCC", 30)])
            #expect(day1.record.batchID == "b2")
            #expect(day1.record.validRows == 2 && day1.record.rejectedRows == 4 && day1.record.receivedRows == 6)
            #expect(try await database.validRows(on: Fixture.day2)?.rows == [Fixture.row("AAA", 11)])
            #expect(try await database.status(index: Fixture.index).priceRows == 3)
        }
    }

    @Test(
        "a batch from an older stream message never replaces the one from a newer message",
        arguments: BackendKind.allCases)
    func streamOrder(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            let older = Fixture.batch("old", Fixture.day1, rows: [Fixture.row("AAA", 1)])
            let newer = Fixture.batch("new", Fixture.day1, rows: [Fixture.row("BBB", 2)])
            #expect(try await database.storeValidated([newer], sequences: [20]) == 1)
            // The older message is redelivered late: it changes nothing.
            #expect(try await database.storeValidated([older], sequences: [10]) == 0)
            let stored = try #require(try await database.validRows(on: Fixture.day1))
            #expect(stored.record.batchID == "new" && stored.record.sequence == 20)
            #expect(stored.rows == newer.rows)
            // A later message replaces it, whatever its content.
            #expect(try await database.storeValidated([older], sequences: [30]) == 1)
            #expect(try await database.validRows(on: Fixture.day1)?.record.sequence == 30)
            #expect(try await database.validRows(on: Fixture.day1)?.rows == older.rows)
        }
    }

    @Test(
        "the same batch re-published later takes the later sequence, so an older message in between loses",
        arguments: BackendKind.allCases)
    func republishedBatch(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            let a = Fixture.batch("a", Fixture.day1, rows: [Fixture.row("AAA", 1)])
            let b = Fixture.batch("b", Fixture.day1, rows: [Fixture.row("BBB", 2)])
            try await database.storeValidated([a], sequences: [5])
            #expect(try await database.storeValidated([a], sequences: [9]) == 0)
            #expect(try await database.validRows(on: Fixture.day1)?.record.sequence == 9)
            #expect(try await database.storeValidated([b], sequences: [7]) == 0)
            #expect(try await database.validRows(on: Fixture.day1)?.record.batchID == "a")
            // A redelivery with an older sequence does not lower it.
            try await database.storeValidated([a], sequences: [6])
            #expect(try await database.validRows(on: Fixture.day1)?.record.sequence == 9)
        }
    }

    @Test("without sequences a different batch always replaces the day", arguments: BackendKind.allCases)
    func unknownSequence(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            try await database.storeValidated(
                [Fixture.batch("a", Fixture.day1, rows: [Fixture.row("AAA", 1)])], sequences: [50])
            try await database.storeValidated([Fixture.batch("b", Fixture.day1, rows: [Fixture.row("BBB", 1)])])
            #expect(try await database.validRows(on: Fixture.day1)?.record.batchID == "b")
        }
    }

    @Test("several batches of one day in one call: the last one wins", arguments: BackendKind.allCases)
    func sameDayInOneCall(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            try await database.storeValidated([
                Fixture.batch("b1", Fixture.day1, rows: [Fixture.row("AAA", 10)]),
                Fixture.batch("b2", Fixture.day1, rows: [Fixture.row("BBB", 20)]),
            ])
            #expect(try await database.validRows(on: Fixture.day1)?.rows == [Fixture.row("BBB", 20)])
        }
    }

    @Test("a batch with no valid row still records its session", arguments: BackendKind.allCases)
    func emptyBatch(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            try await database.storeValidated([Fixture.batch("b1", Fixture.day1, rows: [], received: 3, rejected: 3)])
            let stored = try #require(try await database.validRows(on: Fixture.day1))
            #expect(stored.rows.isEmpty)
            #expect(stored.record.validRows == 0 && stored.record.rejectedRows == 3)
            #expect(stored.record.isComplete)
            #expect(try await database.validRows(on: Fixture.day2) == nil)
        }
    }

    @Test(
        "valid rows round-trip with missing values, non-finite optional values and flags in order",
        arguments: BackendKind.allCases)
    func validRowsRoundTrip(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            let rows = [
                ValidRow(ticker: "AAA", open: nil, high: nil, low: nil, close: 1.1, volume: nil, marketCap: 2.2e12),
                ValidRow(
                    ticker: "BBB", open: 5, high: .infinity, low: 4, close: 4.5, volume: 0, marketCap: 1e9,
                    flags: [.stale, .priceJump]
                ),
                Fixture.row("CCC", 0.1 + 0.2, flags: [.priceJump]),
            ]
            try await database.storeValidated([Fixture.batch("b1", Fixture.day1, rows: rows)])
            let stored = try #require(try await database.validRows(on: Fixture.day1))
            #expect(stored.rows == rows)
            let nan = ValidRow(ticker: "NAN", open: .nan, high: nil, low: nil, close: 1, volume: .nan, marketCap: 1)
            try await database.storeValidated([Fixture.batch("b2", Fixture.day2, rows: [nan])])
            let storedNaN = try #require(try await database.validRows(on: Fixture.day2)?.rows.first)
            #expect(storedNaN.open?.isNaN == true && storedNaN.volume?.isNaN == true && storedNaN.high == nil)
        }
    }

    @Test("closes of a range come in date then ticker order", arguments: BackendKind.allCases)
    func closes(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            try await database.storeValidated([
                Fixture.batch("c", Fixture.day3, rows: [Fixture.row("AAA", 30)]),
                Fixture.batch("a", Fixture.day1, rows: [Fixture.row("BBB", 10), Fixture.row("AAA", 11)]),
                Fixture.batch("b", Fixture.day2, rows: [Fixture.row("AAA", 20)]),
            ])
            let closes = try await database.closes(range: DateRange(start: Fixture.day1, end: Fixture.day2))
            #expect(
                closes == [
                    HistoricalClose(date: Fixture.day1, ticker: "AAA", close: 11.5),
                    HistoricalClose(date: Fixture.day1, ticker: "BBB", close: 10.5),
                    HistoricalClose(date: Fixture.day2, ticker: "AAA", close: 20.5),
                ]
            )
        }
    }

    @Test(
        "stock metadata is upserted, but an older session never overwrites a newer description",
        arguments: BackendKind.allCases)
    func stocks(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            try await database.storeValidated([
                Fixture.batch(
                    "b2", Fixture.day2, rows: [Fixture.row("AAA", 10)], stocks: [Fixture.stock("AAA", name: "New")])
            ])
            try await database.storeIndexResults([
                Fixture.result(Fixture.day2, previous: nil, level: 1000, tickers: ["AAA"])
            ])
            try await database.storeValidated([
                Fixture.batch(
                    "b1", Fixture.day1, rows: [Fixture.row("AAA", 9)], stocks: [Fixture.stock("AAA", name: "Old")])
            ])
            #expect(
                try await database.composition(index: Fixture.index, on: Fixture.day2).constituents.first?.name == "New"
            )
            try await database.storeValidated([
                Fixture.batch(
                    "b3", Fixture.day3, rows: [Fixture.row("AAA", 9)], stocks: [Fixture.stock("AAA", name: "Newer")])
            ])
            #expect(
                try await database.composition(index: Fixture.index, on: Fixture.day2).constituents.first?.name
                    == "Newer")
        }
    }

    /// A rejection batch with one rejection per reason, the values of each row chosen to be awkward.
    func rejectionBatch(_ id: String, date: SessionDate) -> RejectionBatch {
        let rows = [
            PriceRow(date: date, ticker: "DUP", close: 1, marketCap: 1),
            PriceRow(date: SessionDate("2024-01-06")!, ticker: "SAT", close: 1, marketCap: 1),
            PriceRow(date: date, ticker: "NAN", open: 1, close: .nan, volume: 5, marketCap: 1e9),
            PriceRow(date: date, ticker: "INF", close: 2, marketCap: .infinity, sharesOutstanding: -.infinity),
            PriceRow(date: date, ticker: "HBL", open: 2, high: 1, low: 3, close: 2, marketCap: 1),
            PriceRow(
                date: date, ticker: "OUT", open: 9, high: 3, low: 1, close: 2, marketCap: nil, sharesOutstanding: 4),
            PriceRow(date: date, ticker: "VOL", close: 2, volume: -1, marketCap: 1),
        ]
        let rejections = zip(rows, RejectionReason.allCases).enumerated().map { offset, pair in
            Rejection(row: pair.0, reason: pair.1, position: offset * 2 + 1)
        }
        return RejectionBatch(batchID: id, date: date, source: "csv", rejections: rejections)
    }

    /// Whether two rejections are equal, NaN equal to NaN.
    func same(_ lhs: [Rejection], _ rhs: [Rejection]) -> Bool {
        func key(_ value: Double?) -> String { value.map { $0.isNaN ? "nan" : "\($0)" } ?? "nil" }
        func keys(_ rejection: Rejection) -> [String] {
            let row = rejection.row
            return [
                row.date.description, row.ticker, rejection.reason.rawValue, "\(rejection.position)", key(row.open),
                key(row.high), key(row.low), key(row.close), key(row.volume), key(row.marketCap),
                key(row.sharesOutstanding),
            ]
        }
        return lhs.map(keys) == rhs.map(keys)
    }

    @Test(
        "rejections are stored with their reasons and original values, non-finite ones included",
        arguments: BackendKind.allCases)
    func rejections(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            let batch = rejectionBatch("r1", date: Fixture.day1)
            try await database.storeRejections([batch])
            let stored = try await database.rejections(on: Fixture.day1)
            #expect(same(stored, batch.rejections))
            #expect(stored.map(\.reason) == RejectionReason.allCases)
            #expect(stored[2].row.close?.isNaN == true)
            #expect(stored[3].row.marketCap == .infinity && stored[3].row.sharesOutstanding == -.infinity)
            #expect(stored[1].row.date == SessionDate("2024-01-06"))
            try await database.storeRejections([batch, batch])
            #expect(same(try await database.rejections(on: Fixture.day1), batch.rejections))
            #expect(try await database.status(index: Fixture.index).rejectedRows == batch.rejections.count)
        }
    }

    @Test(
        "older batches' rejections stay stored, but a date shows its current batch's", arguments: BackendKind.allCases)
    func rejectionHistory(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            let old = rejectionBatch("r1", date: Fixture.day1)
            let new = RejectionBatch(
                batchID: "r2", date: Fixture.day1, source: "csv",
                rejections: [
                    Rejection(
                        row: PriceRow(date: Fixture.day1, ticker: "ZZZ", close: 0, marketCap: 1), reason: .badClose,
                        position: 0)
                ]
            )
            try await database.storeValidated([
                Fixture.batch("r1", Fixture.day1, rows: [Fixture.row("AAA", 1)], rejected: 7)
            ])
            try await database.storeRejections([old, new])
            // The session record names r1, so r1's rejections show even though r2's arrived later.
            #expect(same(try await database.rejections(on: Fixture.day1), old.rejections))
            try await database.storeValidated([
                Fixture.batch("r2", Fixture.day1, rows: [Fixture.row("AAA", 1)], rejected: 1)
            ])
            #expect(same(try await database.rejections(on: Fixture.day1), new.rejections))
            #expect(try await database.status(index: Fixture.index).rejectedRows == old.rejections.count + 1)
            // Without a session record, the date's last batch received is the current one.
            try await database.storeRejections([
                rejectionBatch("s1", date: Fixture.day2), rejectionBatch("s2", date: Fixture.day2),
            ])
            #expect(try await database.rejections(on: Fixture.day2).count == old.rejections.count)
            #expect(try await database.rejections(on: Fixture.day3).isEmpty)
        }
    }

    @Test("session records carry the batch the stored index result was computed from", arguments: BackendKind.allCases)
    func sessionRecords(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            try await database.storeValidated([
                Fixture.batch("b1", Fixture.day1, rows: [Fixture.row("AAA", 10)]),
                Fixture.batch("b2", Fixture.day2, rows: [Fixture.row("AAA", 11)]),
                Fixture.batch("b3", Fixture.day3, rows: [Fixture.row("AAA", 12)]),
            ])
            try await database.storeIndexResults([
                Fixture.result(Fixture.day1, previous: nil, level: 1000, tickers: ["AAA"], batchID: "b1"),
                Fixture.result(Fixture.day2, previous: Fixture.day1, level: 1010, tickers: ["AAA"], batchID: "old"),
            ])
            let records = try await database.sessionRecords(
                index: Fixture.index, range: DateRange(start: Fixture.day1, end: Fixture.day2)
            )
            #expect(records.map(\.date) == [Fixture.day1, Fixture.day2])
            #expect(records.map(\.indexBatchID) == ["b1", "old"])
            #expect(records.map(\.isComplete) == [true, false])
            let all = try await database.sessionRecords(index: Fixture.index, range: Fixture.all)
            #expect(all.last?.indexBatchID == nil && all.count == 3)
            #expect(
                try await database.sessionRecords(index: "other", range: Fixture.all).allSatisfy {
                    $0.indexBatchID == nil
                })
            #expect(try await database.validRows(on: Fixture.day1)?.record.indexBatchID == "b1")
        }
    }

    @Test("status reports last sessions and counts; an empty database reports none", arguments: BackendKind.allCases)
    func status(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            #expect(
                try await database.status(index: Fixture.index)
                    == StatusReply(
                        lastPriceSession: nil, lastIndexSession: nil, firstIndexSession: nil, priceRows: 0,
                        rejectedRows: 0, indexSessions: 0
                    )
            )
            try await database.storeValidated([
                Fixture.batch("b1", Fixture.day1, rows: [Fixture.row("AAA", 10), Fixture.row("BBB", 10)]),
                Fixture.batch("b3", Fixture.day3, rows: [Fixture.row("AAA", 12)]),
            ])
            try await database.storeIndexResults([
                Fixture.result(Fixture.day1, previous: nil, level: 1000, tickers: ["AAA"]),
                Fixture.result(Fixture.day2, previous: Fixture.day1, level: 1001, tickers: ["AAA"]),
            ])
            #expect(
                try await database.status(index: Fixture.index)
                    == StatusReply(
                        lastPriceSession: Fixture.day3, lastIndexSession: Fixture.day2, firstIndexSession: Fixture.day1,
                        priceRows: 3, rejectedRows: 0, indexSessions: 2
                    )
            )
        }
    }

    @Test(
        "text the bulk write's format reserves, and doubles at the edges, come back exactly as stored",
        arguments: BackendKind.allCases)
    func reservedTextAndEdgeDoubles(_ backend: BackendKind) async throws {
        try await backend.withDatabase { database in
            // PostgreSQL's COPY text format: tab, newline, carriage return and backslash are escaped, \N is NULL.
            let tickers = ["TAB\tX", "BACK\\SLASH", "NEW\nLINE", "CR\rX", "\\N", "\\.", "ÉTÉ", "INF"]
            let values = [
                0.1 + 0.2, 1e-300, 5e-324, 1.7976931348623157e308, -1.234_5e-7, 123_456_789.123_456_79, 1.0 / 3,
                .infinity,
            ]
            let rows = zip(tickers, values).map { ticker, value in
                ValidRow(
                    ticker: ticker, open: value, high: nil, low: -value, close: value, volume: nil,
                    marketCap: value, flags: []
                )
            }
            try await database.storeValidated([Fixture.batch("b1", Fixture.day1, rows: rows)])
            let stored = try #require(try await database.validRows(on: Fixture.day1)).rows
            func bits(_ rows: [ValidRow]) -> [String: [UInt64?]] {
                Dictionary(
                    uniqueKeysWithValues: rows.map { row in
                        (
                            row.ticker,
                            [row.open, row.high, row.low, row.close, row.volume, row.marketCap].map { $0?.bitPattern }
                        )
                    })
            }
            #expect(bits(stored) == bits(rows))
        }
    }
}
