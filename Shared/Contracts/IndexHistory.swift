import Foundation
import TradingCalendar

// Building a definition's whole history in bulk: many sessions' valid rows per reply (only what the index
// calculation reads), and many sessions' results per command. Both travel in the compact binary encoding and are
// sized to the broker's payload limit by the functions below.

/// One stored session's valid rows as the index calculation reads them: ticker, close and market cap only (every
/// other field of each ``ValidRow`` is nil, and its flags empty).
package struct SessionRows: Codable, Sendable, Equatable {
    /// The session.
    package var date: SessionDate
    /// The price batch currently stored for it.
    package var batchID: String
    /// Its valid rows, by ticker.
    package var rows: [ValidRow]

    /// A session's rows.
    package init(date: SessionDate, batchID: String, rows: [ValidRow]) {
        self.date = date
        self.batchID = batchID
        self.rows = rows
    }
}

/// The stored sessions of a range with their valid rows, in date order, as many as one reply of at most `maxBytes`
/// holds (at least one session): a definition's history reads the stored prices in pages of these.
package struct SessionRowsQuery: StorageQuery, Equatable {
    package typealias Reply = SessionRowsReply
    package static let kind = StorageRequestKind.sessionRows

    /// The range; the reply starts at its first stored session.
    package var range: DateRange
    /// The largest encoded reply wanted (the broker's payload limit); a single session larger than this is still
    /// answered, alone.
    package var maxBytes: Int

    /// A query.
    package init(range: DateRange, maxBytes: Int) {
        self.range = range
        self.maxBytes = maxBytes
    }
}

/// A page of stored sessions with their rows, and where the next page starts.
package struct SessionRowsReply: StorageReply, Equatable {
    package static let answers = StorageRequestKind.sessionRows

    /// The sessions, in date order (each with a stored batch; possibly without rows).
    package var sessions: [SessionRows]
    /// The first date of the query's range not answered yet (ask again from it); nil when the range is done.
    package var next: SessionDate?

    /// A reply.
    package init(sessions: [SessionRows], next: SessionDate?) {
        self.sessions = sessions
        self.next = next
    }

    /// The longest prefix of `sessions` (at least one session) whose reply encodes within `maxBytes`; `next` is the
    /// date of the first session left out, or `rest` when every session fits.
    package static func page(_ sessions: [SessionRows], maxBytes: Int, rest: SessionDate?) -> SessionRowsReply {
        var bodyBytes = 0
        var fitting = 0
        for (offset, session) in sessions.enumerated() {
            bodyBytes += encodedSize(of: session)
            let next = offset + 1 < sessions.count ? sessions[offset + 1].date : rest
            if offset > 0 && fixedBytes(sessions: offset + 1, next: next) + bodyBytes > maxBytes { break }
            fitting = offset + 1
        }
        return SessionRowsReply(
            sessions: Array(sessions.prefix(fitting)), next: fitting < sessions.count ? sessions[fitting].date : rest
        )
    }

    /// The bytes a session takes in the encoding: its date, batch id, row count and rows.
    package static func encodedSize(of session: SessionRows) -> Int {
        var rowsBytes = varintSize(UInt64(session.rows.count))
        for row in session.rows { rowsBytes += rowSize(ticker: row.ticker.utf8.count) }
        return encodedSize(date: session.date, batchID: session.batchID, rowsBytes: rowsBytes)
    }

    /// The bytes a session takes in the encoding whose rows (their count and the rows) take `rowsBytes`.
    package static func encodedSize(date: SessionDate, batchID: String, rowsBytes: Int) -> Int {
        varintSize(zigzag(date.dayNumber)) + stringSize(batchID) + rowsBytes
    }

    /// The bytes of a row whose ticker has `tickerBytes` bytes of UTF-8: the ticker, its close and market cap.
    package static func rowSize(ticker tickerBytes: Int) -> Int {
        varintSize(UInt64(tickerBytes)) + tickerBytes + 16
    }

    /// The bytes of a reply of `sessions` sessions besides the sessions' own: header, `next` and the count.
    package static func fixedBytes(sessions: Int, next: SessionDate?) -> Int {
        headerBytes + nextSize(next) + varintSize(UInt64(sessions))
    }

    /// Magic and version.
    private static let headerBytes = 4 + varintSize(UInt64(version))

    private static func varintSize(_ value: UInt64) -> Int { BinaryWriter.varintSize(value) }

    private static func stringSize(_ text: String) -> Int {
        let count = text.utf8.count
        return varintSize(UInt64(count)) + count
    }

    private static func nextSize(_ next: SessionDate?) -> Int {
        1 + (next.map { varintSize(zigzag($0.dayNumber)) } ?? 0)
    }

    private static func zigzag(_ value: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: (value << 1) ^ (value >> 31)))
    }
}

/// Replaces a range of an index's stored series with computed results, in one transaction: every stored result and
/// composition event of `index` dated in `range` is deleted, then `results` and `events` are stored. Applying it
/// twice stores the same; a definition that is not defined (removed meanwhile) stores nothing.
package struct StoreHistoryCommand: StorageCommand, Equatable {
    package typealias Reply = StoreHistoryReply
    package static let kind = StorageRequestKind.storeHistory

    /// The index.
    package var index: String
    /// The dates replaced.
    package var range: DateRange
    /// The results dated in `range`, in date order (no retractions: a session without a result is none of the
    /// index's).
    package var results: [IndexResult]
    /// The composition events of those results (none for the base), in date order.
    package var events: [CompositionEvent]

    /// A command.
    package init(index: String, range: DateRange, results: [IndexResult], events: [CompositionEvent]) {
        self.index = index
        self.range = range
        self.results = results
        self.events = events
    }

    /// Commands that together replace `range` with `results` and `events`, each encoding within `maxBytes`: the
    /// results split evenly, in date order, over consecutive ranges that cover `range` exactly (the first starts at
    /// its start, the last ends at its end); each event goes with its session's result.
    package static func chunks(
        index: String, range: DateRange, results: [IndexResult], events: [CompositionEvent], maxBytes: Int
    ) throws -> [StoreHistoryCommand] {
        let eventsByDate = Dictionary(events.map { ($0.date, $0) }, uniquingKeysWith: { _, last in last })
        var count = 1
        while true {
            let size = max(1, (results.count + count - 1) / count)
            var commands: [StoreHistoryCommand] = []
            for first in stride(from: 0, to: max(1, results.count), by: size) {
                let slice = Array(results[first..<min(results.count, first + size)])
                let start = commands.isEmpty ? range.start : slice[0].date
                if !commands.isEmpty { commands[commands.count - 1].range.end = start.adding(days: -1) }
                commands.append(
                    StoreHistoryCommand(
                        index: index, range: DateRange(start: start, end: range.end), results: slice,
                        events: slice.compactMap { eventsByDate[$0.date] }
                    ))
            }
            var largest = 0
            for command in commands { largest = max(largest, try command.encoded().count) }
            if largest <= maxBytes { return commands }
            guard count < max(1, results.count) else {
                throw ContractError.malformed(
                    schema: schema, detail: "one session's result takes \(largest) bytes, over \(maxBytes)")
            }
            count = min(results.count, max(count + 1, count * largest / maxBytes + 1))
        }
    }
}

/// How many results a ``StoreHistoryCommand`` stored.
package struct StoreHistoryReply: StorageReply, Equatable {
    package static let answers = StorageRequestKind.storeHistory

    /// The results stored: the command's count, or 0 when the index is not defined.
    package var stored: Int

    /// A reply.
    package init(stored: Int) { self.stored = stored }
}

// MARK: - Binary encodings

extension BinaryWriter {
    /// How many bytes ``writeVarint(_:)`` writes for `value`.
    package static func varintSize(_ value: UInt64) -> Int {
        var value = value
        var size = 1
        while value >= 0x80 {
            value >>= 7
            size += 1
        }
        return size
    }
}

extension SessionRowsReply {
    fileprivate static let magic: StaticString = "EWSR"
    /// 2: each row carries its ticker (1 had a table of the distinct tickers, which cost storage two hash lookups a
    /// row to size and encode a page).
    package static let version = 2

    /// The compact binary encoding: `next`, then per session its date, batch id and rows (ticker, close, market
    /// cap); doubles bit for bit.
    package func encoded() throws -> Data {
        let rowCount = sessions.reduce(0) { $0 + $1.rows.count }
        var page = SessionRowsPage(capacity: 64 + rowCount * 22)
        for session in sessions { page.append(session) }
        return page.encoded(next: next)
    }

    /// A session's rows as the encoding holds them: their count, then each row's ticker, close and market cap, the
    /// rows in ticker order (UTF-8 byte order, as storage answers them). Storage keeps this beside a session's rows
    /// and writes it into a reply as it is (``SessionRowsPage/append(date:batchID:encodedRows:)``).
    package static func encodedRows(_ rows: [ValidRow]) -> [UInt8] {
        var ordered = rows
        if !zip(rows, rows.dropFirst()).allSatisfy({ TickerOrder.precedes($0.ticker, $1.ticker) }) {
            ordered.sort { TickerOrder.precedes($0.ticker, $1.ticker) }
        }
        var writer = BinaryWriter(capacity: 8 + rows.count * 22)
        writer.writeRows(ordered)
        return writer.bytes
    }

    /// The number of rows of `encoded` when it is exactly what ``encodedRows(_:)`` writes for some rows (a count, then
    /// that many rows, nothing after them); nil when it is not (cut short, or with bytes left over).
    package static func rowCount(ofEncodedRows encoded: UnsafeRawBufferPointer) -> Int? {
        var offset = 0
        func varint() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while offset < encoded.count && shift < 64 {
                let byte = encoded[offset]
                offset += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
            return nil
        }
        guard let count = varint(), count <= UInt64(encoded.count) else { return nil }
        for _ in 0..<count {
            guard let length = varint(), length <= UInt64(encoded.count - offset) else { return nil }
            offset += Int(length) + 16
            guard offset <= encoded.count else { return nil }
        }
        return offset == encoded.count ? Int(count) : nil
    }

    /// Decodes the binary encoding.
    package static func decoded(from data: Data, schemaTag: String?) throws -> SessionRowsReply {
        var reader = try BinaryPayload.reader(Self.self, magic: magic, data: data, schemaTag: schemaTag)
        return try BinaryPayload.decode(Self.self) {
            let next = try reader.readOptionalDate()
            let sessionCount = try reader.readCount(minimumElementSize: 3)
            var sessions: [SessionRows] = []
            sessions.reserveCapacity(sessionCount)
            for _ in 0..<sessionCount {
                let date = try reader.readDate()
                let batchID = try reader.readString()
                let rowCount = try reader.readCount(minimumElementSize: 17)
                var rows: [ValidRow] = []
                rows.reserveCapacity(rowCount)
                for _ in 0..<rowCount {
                    let ticker = try reader.readString()
                    let close = try reader.readDouble()
                    let marketCap = try reader.readDouble()
                    rows.append(
                        ValidRow(
                            ticker: ticker, open: nil, high: nil, low: nil, close: close, volume: nil,
                            marketCap: marketCap
                        ))
                }
                sessions.append(SessionRows(date: date, batchID: batchID, rows: rows))
            }
            try reader.expectEnd(Self.self)
            return SessionRowsReply(sessions: sessions, next: next)
        }
    }
}

extension StoreHistoryCommand {
    private static let magic: StaticString = "EWSH"

    /// The compact binary encoding: the index and range, a table of the tickers, then each result (its constituents,
    /// previous tickers and departures pointing into the table) and each event; doubles bit for bit.
    package func encoded() throws -> Data {
        if let stray = results.first(where: { $0.index != index }) {
            throw ContractError.malformed(schema: Self.schema, detail: "a result of \(stray.index) in \(index)'s")
        }
        if let stray = events.first(where: { $0.index != index }) {
            throw ContractError.malformed(schema: Self.schema, detail: "an event of \(stray.index) in \(index)'s")
        }
        let members = results.reduce(0) { $0 + $1.constituents.count }
        var writer = BinaryPayload.header(Self.magic, version: Self.version, capacity: 64 + members * 48)
        writer.write(index)
        writer.write(range.start)
        writer.write(range.end)
        var tickers = TickerTable()
        for result in results {
            for member in result.constituents { tickers.add(member.ticker) }
            for ticker in result.previousTickers { tickers.add(ticker) }
            for change in result.departures { tickers.add(change.ticker) }
        }
        for event in events {
            for change in event.added + event.removed { tickers.add(change.ticker) }
        }
        writer.writeCount(tickers.names.count)
        for name in tickers.names { writer.write(name) }
        writer.writeCount(results.count)
        for result in results {
            writer.write(result.date)
            writer.writeOptional(result.previousDate)
            writer.write(result.level)
            writer.write(result.dailyReturn)
            writer.write(result.sourceBatchID)
            writer.write(result.replay)
            writer.writeOptional(result.turnover)
            writer.writeCount(result.constituents.count)
            for member in result.constituents {
                writer.writeCount(tickers.index[member.ticker, default: 0])
                writer.writeSigned(member.rank)
                writer.write(member.weight)
                writer.write(member.marketCap)
                writer.write(member.close)
                writer.writeOptional(member.lastCloseDate)
            }
            writer.writeCount(result.previousTickers.count)
            for ticker in result.previousTickers { writer.writeCount(tickers.index[ticker, default: 0]) }
            writer.write(result.departures, tickers: tickers)
        }
        writer.writeCount(events.count)
        for event in events {
            writer.write(event.date)
            writer.write(event.previousDate)
            writer.writeOptional(event.turnover)
            writer.write(event.added, tickers: tickers)
            writer.write(event.removed, tickers: tickers)
        }
        return Data(writer.bytes)
    }

    /// Decodes the binary encoding.
    package static func decoded(from data: Data, schemaTag: String?) throws -> StoreHistoryCommand {
        var reader = try BinaryPayload.reader(Self.self, magic: magic, data: data, schemaTag: schemaTag)
        return try BinaryPayload.decode(Self.self) {
            let index = try reader.readString()
            let range = DateRange(start: try reader.readDate(), end: try reader.readDate())
            let tickerCount = try reader.readCount()
            var tickers: [String] = []
            tickers.reserveCapacity(tickerCount)
            for _ in 0..<tickerCount { tickers.append(try reader.readString()) }
            func ticker() throws -> String {
                let reference = try reader.readInt()
                guard reference < tickers.count else {
                    throw ContractError.malformed(
                        schema: schema, detail: "ticker \(reference) of a table of \(tickers.count)")
                }
                return tickers[reference]
            }
            func changes() throws -> [CompositionChange] {
                let count = try reader.readCount(minimumElementSize: 3)
                var changes: [CompositionChange] = []
                changes.reserveCapacity(count)
                for _ in 0..<count {
                    let name = try ticker()
                    let rank = try reader.readBool() ? try reader.readSigned() : nil
                    let marketCap = try reader.readOptionalDouble()
                    changes.append(CompositionChange(ticker: name, rank: rank, marketCap: marketCap))
                }
                return changes
            }
            let resultCount = try reader.readCount(minimumElementSize: 24)
            var results: [IndexResult] = []
            results.reserveCapacity(resultCount)
            for _ in 0..<resultCount {
                let date = try reader.readDate()
                let previousDate = try reader.readOptionalDate()
                let level = try reader.readDouble()
                let dailyReturn = try reader.readDouble()
                let sourceBatchID = try reader.readString()
                let replay = try reader.readReplay()
                let turnover = try reader.readOptionalDouble()
                let memberCount = try reader.readCount(minimumElementSize: 27)
                var constituents: [Constituent] = []
                constituents.reserveCapacity(memberCount)
                for _ in 0..<memberCount {
                    let name = try ticker()
                    let rank = try reader.readSigned()
                    let weight = try reader.readDouble()
                    let marketCap = try reader.readDouble()
                    let close = try reader.readDouble()
                    let lastCloseDate = try reader.readOptionalDate()
                    constituents.append(
                        Constituent(
                            ticker: name, rank: rank, weight: weight, marketCap: marketCap, close: close,
                            lastCloseDate: lastCloseDate
                        ))
                }
                let previousCount = try reader.readCount()
                var previousTickers: [String] = []
                previousTickers.reserveCapacity(previousCount)
                for _ in 0..<previousCount { previousTickers.append(try ticker()) }
                results.append(
                    IndexResult(
                        index: index, date: date, previousDate: previousDate, level: level, dailyReturn: dailyReturn,
                        constituents: constituents, previousTickers: previousTickers, departures: try changes(),
                        sourceBatchID: sourceBatchID, replay: replay, turnover: turnover
                    ))
            }
            let eventCount = try reader.readCount(minimumElementSize: 5)
            var events: [CompositionEvent] = []
            events.reserveCapacity(eventCount)
            for _ in 0..<eventCount {
                let date = try reader.readDate()
                let previousDate = try reader.readDate()
                let turnover = try reader.readOptionalDouble()
                let added = try changes()
                let removed = try changes()
                events.append(
                    CompositionEvent(
                        index: index, date: date, previousDate: previousDate, added: added, removed: removed,
                        turnover: turnover
                    ))
            }
            try reader.expectEnd(Self.self)
            return StoreHistoryCommand(index: index, range: range, results: results, events: events)
        }
    }
}

/// A ``SessionRowsReply`` written session by session as storage reads them, from rows or from rows already in the
/// encoding (what storage keeps of each session), which go in byte for byte without being decoded. The bytes are
/// those of the reply's ``SessionRowsReply/encoded()`` with the same sessions and `next`.
package struct SessionRowsPage {
    /// The sessions written, each its date, batch id and rows.
    private var body: BinaryWriter
    /// How many sessions are written.
    package private(set) var sessionCount = 0

    /// An empty page with room for `capacity` bytes.
    package init(capacity: Int = 1024) { body = BinaryWriter(capacity: capacity) }

    /// The bytes the reply takes with one more session of `sessionBytes` (``SessionRowsReply/encodedSize(of:)``)
    /// and `next` after it.
    package func encodedSize(adding sessionBytes: Int, next: SessionDate?) -> Int {
        SessionRowsReply.fixedBytes(sessions: sessionCount + 1, next: next) + body.bytes.count + sessionBytes
    }

    /// Writes a session.
    package mutating func append(_ session: SessionRows) {
        body.write(session.date)
        body.write(session.batchID)
        body.writeRows(session.rows)
        sessionCount += 1
    }

    /// Writes a session whose rows are `encodedRows`, as ``SessionRowsReply/encodedRows(_:)`` wrote them.
    package mutating func append(date: SessionDate, batchID: String, encodedRows: UnsafeRawBufferPointer) {
        body.write(date)
        body.write(batchID)
        body.write(raw: encodedRows)
        sessionCount += 1
    }

    /// The reply's encoding: the sessions written, and `next`.
    package func encoded(next: SessionDate?) -> Data {
        var head = BinaryPayload.header(SessionRowsReply.magic, version: SessionRowsReply.version, capacity: 16)
        head.write(next != nil)
        if let next { head.write(next) }
        head.writeCount(sessionCount)
        var data = Data(capacity: head.bytes.count + body.bytes.count)
        data.append(contentsOf: head.bytes)
        data.append(contentsOf: body.bytes)
        return data
    }
}

extension BinaryWriter {
    /// A session's rows: their count, then each row's ticker, close and market cap.
    fileprivate mutating func writeRows(_ rows: [ValidRow]) {
        writeCount(rows.count)
        for row in rows {
            write(row.ticker)
            write(row.close)
            write(row.marketCap)
        }
    }
}

/// The distinct tickers of a payload in first-appearance order, each written once.
private struct TickerTable {
    /// The tickers, in order.
    var names: [String] = []
    /// Each ticker's place in `names`.
    var index: [String: Int] = [:]

    /// Adds `name` unless it is in the table.
    mutating func add(_ name: String) {
        guard index[name] == nil else { return }
        index[name] = names.count
        names.append(name)
    }
}

extension BinaryWriter {
    fileprivate mutating func write(_ changes: [CompositionChange], tickers: TickerTable) {
        writeCount(changes.count)
        for change in changes {
            writeCount(tickers.index[change.ticker, default: 0])
            write(change.rank != nil)
            if let rank = change.rank { writeSigned(rank) }
            writeOptional(change.marketCap)
        }
    }
}
