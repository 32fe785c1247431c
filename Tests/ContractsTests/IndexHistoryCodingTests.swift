import Contracts
import Foundation
import Testing
import TradingCalendar

/// The bulk payloads of a definition's history: exact round trips, and pages and commands cut at the payload limit.
@Suite("History payloads")
struct IndexHistoryCodingTests {
    static let day = SessionDate("2024-01-02")!

    /// Doubles whose bits a text encoding could lose: signed zero, a NaN payload, a subnormal, infinities.
    static let awkward: [Double] = [
        -0.0, Double(nan: 0x1234, signaling: false), .leastNonzeroMagnitude, .infinity, -.infinity, 0.1 + 0.2,
        .greatestFiniteMagnitude, 1e-300,
    ]

    /// Every field of a row, doubles as bit patterns.
    static func bits(_ row: ValidRow) -> String {
        "\(row.ticker) \(row.close.bitPattern) \(row.marketCap.bitPattern) \(String(describing: row.open)) "
            + "\(String(describing: row.high)) \(String(describing: row.low)) \(String(describing: row.volume)) "
            + "\(row.flags)"
    }

    /// Every field of a result and its members, doubles as bit patterns.
    static func bits(_ result: IndexResult) -> String {
        func double(_ value: Double?) -> String { value.map { "\($0.bitPattern)" } ?? "nil" }
        let members = result.constituents.map {
            "\($0.ticker) \($0.rank) \(double($0.weight)) \(double($0.marketCap)) \(double($0.close)) "
                + "\(String(describing: $0.lastCloseDate))"
        }
        let departures = result.departures.map {
            "\($0.ticker) \(String(describing: $0.rank)) \(double($0.marketCap))"
        }
        return "\(result.index) \(result.date) \(String(describing: result.previousDate)) \(double(result.level)) "
            + "\(double(result.dailyReturn)) \(members) \(result.previousTickers) \(departures) \(result.sourceBatchID) "
            + "\(String(describing: result.replay)) \(double(result.turnover))"
    }

    /// `count` slim rows of `session` whose tickers repeat across sessions and some are new.
    static func rows(_ count: Int, session: Int) -> [ValidRow] {
        (0..<count).map { index in
            ValidRow(
                ticker: index % 7 == 0 ? "N\(session)-\(index)" : "T\(index)", open: nil, high: nil, low: nil,
                close: 10 + Double(index) / 3 + Double(session), volume: nil,
                marketCap: 1e9 * Double(count - index) + 0.5
            )
        }
    }

    static func sessions(_ count: Int, rows: Int) -> [SessionRows] {
        let dates = NYSECalendar.standard.sessions(from: day, to: SessionDate("2024-12-31")!)
        return (0..<count).map { SessionRows(date: dates[$0], batchID: "b\($0)", rows: Self.rows(rows, session: $0)) }
    }

    @Test("a page of rows decodes to the same sessions, bit for bit, with its next date")
    func rowsRoundTrip() throws {
        var sessions = Self.sessions(3, rows: 40)
        sessions[1].rows = []
        sessions[2].rows += Self.awkward.enumerated().map { offset, value in
            ValidRow(
                ticker: "Ä€\(offset)", open: nil, high: nil, low: nil, close: value, volume: nil,
                marketCap: Self.awkward[(offset + 3) % Self.awkward.count]
            )
        }
        for next in [nil, SessionDate("2025-01-02")] {
            let reply = SessionRowsReply(sessions: sessions, next: next)
            let decoded = try SessionRowsReply.decoded(from: try reply.encoded(), schemaTag: SessionRowsReply.schemaTag)
            #expect(decoded.next == next)
            #expect(decoded.sessions.map(\.date) == sessions.map(\.date))
            #expect(decoded.sessions.map(\.batchID) == sessions.map(\.batchID))
            #expect(decoded.sessions.map { $0.rows.map(Self.bits) } == sessions.map { $0.rows.map(Self.bits) })
        }
        let empty = SessionRowsReply(sessions: [], next: nil)
        #expect(try SessionRowsReply.decoded(from: try empty.encoded(), schemaTag: nil) == empty)
    }

    @Test("a session's rows kept encoded: in ticker byte order, written into a page as they are, checked whole")
    func keptRows() throws {
        var sessions = Self.sessions(3, rows: 30)
        sessions[1].rows = []
        sessions[2].rows += [
            ValidRow(ticker: "Ä", open: nil, high: nil, low: nil, close: -0.0, volume: nil, marketCap: .infinity),
            ValidRow(ticker: "B", open: nil, high: nil, low: nil, close: 1, volume: nil, marketCap: 2),
        ]
        let ordered = sessions.map { session in
            var session = session
            // Byte order: "B" < "N2-0" < "T1" < "T10" < "T2" < "Ä" (whose first UTF-8 byte is 0xC3).
            session.rows.sort { Array($0.ticker.utf8).lexicographicallyPrecedes(Array($1.ticker.utf8)) }
            return session
        }
        #expect(ordered[2].rows.first?.ticker == "B" && ordered[2].rows.last?.ticker == "Ä")
        for next in [nil, SessionDate("2025-01-02")] {
            var page = SessionRowsPage()
            for session in sessions {
                let kept = SessionRowsReply.encodedRows(session.rows)
                #expect(kept.withUnsafeBytes { SessionRowsReply.rowCount(ofEncodedRows: $0) } == session.rows.count)
                #expect(
                    page.encodedSize(
                        adding: SessionRowsReply.encodedSize(
                            date: session.date, batchID: session.batchID, rowsBytes: kept.count),
                        next: next)
                        == (try SessionRowsReply(sessions: Array(ordered.prefix(page.sessionCount + 1)), next: next)
                            .encoded().count))
                kept.withUnsafeBytes { page.append(date: session.date, batchID: session.batchID, encodedRows: $0) }
            }
            // The same bytes as the reply of the rows in ticker order.
            #expect(page.encoded(next: next) == (try SessionRowsReply(sessions: ordered, next: next).encoded()))
        }
        // Anything but one whole encoding is refused: every cut, a byte more, a count too large.
        let kept = SessionRowsReply.encodedRows(sessions[2].rows)
        for end in 0..<kept.count {
            #expect(kept[..<end].withUnsafeBytes { SessionRowsReply.rowCount(ofEncodedRows: $0) } == nil, "cut \(end)")
        }
        #expect((kept + [0]).withUnsafeBytes { SessionRowsReply.rowCount(ofEncodedRows: $0) } == nil)
        var wrongCount = kept
        wrongCount[0] += 1
        #expect(wrongCount.withUnsafeBytes { SessionRowsReply.rowCount(ofEncodedRows: $0) } == nil)
        #expect([UInt8]([0]).withUnsafeBytes { SessionRowsReply.rowCount(ofEncodedRows: $0) } == 0)
    }

    @Test("a page is the longest run of sessions within the limit: one more would not fit; a large session is alone")
    func pageAtTheLimit() throws {
        let sessions = Self.sessions(12, rows: 150)
        let rest = SessionDate("2025-06-02")!
        let whole = try SessionRowsReply(sessions: sessions, next: rest).encoded().count
        for limit in [10, 2_000, 3_500, 7_000, 20_000, whole - 1, whole, whole + 1] {
            let page = SessionRowsReply.page(sessions, maxBytes: limit, rest: rest)
            let kept = page.sessions.count
            #expect(kept >= 1 && page.sessions == Array(sessions.prefix(kept)), "limit \(limit)")
            #expect(page.next == (kept < sessions.count ? sessions[kept].date : rest), "limit \(limit)")
            let size = try page.encoded().count
            #expect(kept == 1 || size <= limit, "limit \(limit): \(size) bytes")
            if kept < sessions.count {
                let more = SessionRowsReply(
                    sessions: Array(sessions.prefix(kept + 1)), next: sessions.at(kept + 1) ?? rest)
                #expect(try more.encoded().count > limit, "limit \(limit): \(kept + 1) sessions would fit")
            }
        }
        #expect(SessionRowsReply.page(sessions, maxBytes: whole, rest: rest).sessions.count == sessions.count)
        #expect(SessionRowsReply.page(sessions, maxBytes: whole - 1, rest: rest).sessions.count == sessions.count - 1)
        #expect(SessionRowsReply.page([], maxBytes: 100, rest: nil) == SessionRowsReply(sessions: [], next: nil))
    }

    /// A history of `count` sessions of `size` members with a carried member, departures and replay marks.
    static func history(_ count: Int, size: Int) -> (results: [IndexResult], events: [CompositionEvent]) {
        let dates = NYSECalendar.standard.sessions(from: day, to: SessionDate("2024-12-31")!)
        var results: [IndexResult] = []
        var events: [CompositionEvent] = []
        for session in 0..<count {
            var members: [Constituent] = []
            for rank in 0..<size {
                let weight: Double = session % 5 == 0 ? 1 / Double(size) : Self.awkward[rank % Self.awkward.count]
                let carried: SessionDate? = rank == 2 && session > 0 ? dates[session - 1] : nil
                let close: Double = 100 + Double(session) / 7
                members.append(
                    Constituent(
                        ticker: "M\((rank + session) % (size + 3))", rank: rank + 1, weight: weight,
                        marketCap: 1e9 / Double(rank + 1), close: close, lastCloseDate: carried
                    ))
            }
            let previous = results.last
            let departures: [CompositionChange]? = previous.map { _ in
                [
                    CompositionChange(ticker: "M\(session % (size + 3))", rank: nil, marketCap: nil),
                    CompositionChange(ticker: "Gone", rank: size + 4, marketCap: -0.0),
                ]
            }
            let level: Double = 1000 * (1 + Double(session) / 97)
            let dailyReturn: Double = session == 0 ? 0 : 0.1 + 0.2
            let replay: ReplayMark? =
                session % 4 == 1 ? ReplayMark(replayID: "r\(session)", refetched: session % 8 == 1) : nil
            let turnover: Double? = session == 0 ? nil : Double(session) / 1_000
            let previousTickers: [String] = previous?.constituents.map(\.ticker) ?? []
            results.append(
                IndexResult(
                    index: "def-1", date: dates[session], previousDate: previous?.date, level: level,
                    dailyReturn: dailyReturn, constituents: members, previousTickers: previousTickers,
                    departures: departures ?? [], sourceBatchID: "\(dates[session])-abc", replay: replay,
                    turnover: turnover
                ))
            if let previous {
                events.append(
                    CompositionEvent(
                        index: "def-1", date: dates[session], previousDate: previous.date,
                        added: [CompositionChange(ticker: "M\(session)", rank: 3, marketCap: 7.25)],
                        removed: departures ?? [], turnover: session % 3 == 0 ? nil : 0.25
                    ))
            }
        }
        return (results, events)
    }

    @Test("a history command decodes to the same results and events, bit for bit")
    func commandRoundTrip() throws {
        let (results, events) = Self.history(9, size: 12)
        let range = DateRange(start: SessionDate("1990-01-01")!, end: SessionDate("2100-12-31")!)
        let command = StoreHistoryCommand(index: "def-1", range: range, results: results, events: events)
        let decoded = try StoreHistoryCommand.decoded(
            from: try command.encoded(), schemaTag: StoreHistoryCommand.schemaTag)
        #expect(decoded.index == "def-1" && decoded.range == range)
        #expect(decoded.results.map(Self.bits) == results.map(Self.bits))
        #expect(decoded.events == events)
        #expect(
            decoded.events.map { $0.removed.map { $0.marketCap?.bitPattern } }
                == events.map { $0.removed.map { $0.marketCap?.bitPattern } })
        let empty = StoreHistoryCommand(index: "def-1", range: range, results: [], events: [])
        #expect(try StoreHistoryCommand.decoded(from: try empty.encoded(), schemaTag: nil) == empty)
        var stray = command
        stray.results[3].index = "other"
        #expect(throws: ContractError.self) { try stray.encoded() }
    }

    @Test("commands cut at the limit cover the range exactly, in order, each result once with its event")
    func commandChunks() throws {
        let (results, events) = Self.history(60, size: 30)
        let range = DateRange(start: SessionDate("1990-01-01")!, end: SessionDate("2100-12-31")!)
        let whole = try StoreHistoryCommand(index: "def-1", range: range, results: results, events: events).encoded()
        for limit in [whole.count + 10, whole.count / 2, 6_000, 2_000] {
            let commands = try StoreHistoryCommand.chunks(
                index: "def-1", range: range, results: results, events: events, maxBytes: limit)
            #expect(commands.first?.range.start == range.start && commands.last?.range.end == range.end)
            for (earlier, later) in zip(commands, commands.dropFirst()) {
                #expect(later.range.start == earlier.range.end.adding(days: 1), "limit \(limit)")
            }
            for command in commands {
                #expect(try command.encoded().count <= limit, "limit \(limit)")
                #expect(command.results.allSatisfy { command.range.contains($0.date) })
                #expect(
                    command.events.map(\.date)
                        == command.results.map(\.date).filter { date in events.contains { $0.date == date } })
            }
            #expect(commands.flatMap(\.results) == results && commands.flatMap(\.events) == events, "limit \(limit)")
            #expect(limit < whole.count || commands.count == 1)
        }
        #expect(throws: ContractError.self) {
            try StoreHistoryCommand.chunks(
                index: "def-1", range: range, results: results, events: events, maxBytes: 500)
        }
        let none = try StoreHistoryCommand.chunks(index: "def-1", range: range, results: [], events: [], maxBytes: 500)
        #expect(none == [StoreHistoryCommand(index: "def-1", range: range, results: [], events: [])])
    }

    @Test("a truncated or foreign payload is malformed, not misread")
    func malformed() throws {
        let reply = SessionRowsReply(sessions: Self.sessions(2, rows: 5), next: nil)
        let bytes = try reply.encoded()
        for cut in [3, 8, bytes.count / 2, bytes.count - 1] {
            #expect(throws: ContractError.self) {
                try SessionRowsReply.decoded(from: bytes.prefix(cut), schemaTag: nil)
            }
        }
        #expect(throws: ContractError.self) { try SessionRowsReply.decoded(from: bytes + [0], schemaTag: nil) }
        let command = try StoreHistoryCommand(
            index: "def-1", range: DateRange(start: Self.day, end: Self.day), results: [], events: []
        ).encoded()
        #expect(throws: ContractError.self) { try SessionRowsReply.decoded(from: command, schemaTag: nil) }
        #expect(throws: ContractError.self) {
            try SessionRowsReply.decoded(from: bytes, schemaTag: StoreHistoryCommand.schemaTag)
        }
    }
}

extension Array where Element == SessionRows {
    /// The date of the session at `index`, nil past the end.
    fileprivate func at(_ index: Int) -> SessionDate? { index < count ? self[index].date : nil }
}
