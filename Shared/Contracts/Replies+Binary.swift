import Foundation
import TradingCalendar

// Storage's answers to the API's read queries travel in the compact binary encoding of ``BinaryWriter``: with JSON,
// encoding the reply in storage and decoding it again in the API was most of an uncached request's CPU.

extension PerformanceReply {
    private static let magic: StaticString = "EWPR"
    /// 2: the binary encoding (1 was JSON).
    package static let version = 2

    /// The count, then per point its date, level, return and turnover (when there is one).
    package func encoded() throws -> Data {
        var writer = BinaryPayload.header(Self.magic, version: Self.version, capacity: 16 + points.count * 24)
        writer.writeCount(points.count)
        for point in points {
            writer.write(point.date)
            writer.write(point.level)
            writer.write(point.dailyReturn)
            writer.writeOptional(point.turnover)
        }
        return Data(writer.bytes)
    }

    /// Decodes the binary encoding.
    package static func decoded(from data: Data, schemaTag: String?) throws -> PerformanceReply {
        var reader = try BinaryPayload.reader(Self.self, magic: magic, data: data, schemaTag: schemaTag)
        return try BinaryPayload.decode(Self.self) {
            let count = try reader.readCount(minimumElementSize: 18)
            var points: [PerformancePoint] = []
            points.reserveCapacity(count)
            for _ in 0..<count {
                points.append(
                    PerformancePoint(
                        date: try reader.readDate(), level: try reader.readDouble(),
                        dailyReturn: try reader.readDouble(), turnover: try reader.readOptionalDouble()
                    ))
            }
            try reader.expectEnd(Self.self)
            return PerformanceReply(points: points)
        }
    }
}

extension PriceHistoryReply {
    private static let magic: StaticString = "EWPH"
    /// 2 added the range's accepted splits; 3 is the binary encoding (a window of a large market's closes is
    /// hundreds of thousands of rows, and JSON was a fifth of the validator's and of storage's time for it).
    package static let version = 3

    /// Each distinct ticker once, then the closes (date, ticker's entry, close), then the splits.
    package func encoded() throws -> Data {
        var writer = BinaryPayload.header(Self.magic, version: Self.version, capacity: 64 + closes.count * 14)
        var table: [String: Int] = [:]
        var tickers: [String] = []
        for close in closes where table[close.ticker] == nil {
            table[close.ticker] = tickers.count
            tickers.append(close.ticker)
        }
        writer.writeCount(tickers.count)
        for ticker in tickers { writer.write(ticker) }
        writer.writeCount(closes.count)
        for close in closes {
            writer.write(close.date)
            writer.writeCount(table[close.ticker]!)
            writer.write(close.close)
        }
        writer.writeCount(splits.count)
        for split in splits {
            writer.write(split.date)
            writer.write(split.ticker)
            writer.write(split.kind.rawValue)
            writer.write(split.value)
        }
        return Data(writer.bytes)
    }

    /// Decodes the binary encoding.
    package static func decoded(from data: Data, schemaTag: String?) throws -> PriceHistoryReply {
        var reader = try BinaryPayload.reader(Self.self, magic: magic, data: data, schemaTag: schemaTag)
        return try BinaryPayload.decode(Self.self) {
            let tickerCount = try reader.readCount()
            var tickers: [String] = []
            tickers.reserveCapacity(tickerCount)
            for _ in 0..<tickerCount { tickers.append(try reader.readString()) }
            let closeCount = try reader.readCount(minimumElementSize: 10)
            var closes: [HistoricalClose] = []
            closes.reserveCapacity(closeCount)
            for _ in 0..<closeCount {
                let date = try reader.readDate()
                let entry = try reader.readInt()
                guard entry < tickers.count else {
                    throw ContractError.malformed(
                        schema: schema, detail: "ticker \(entry) of a table of \(tickers.count)")
                }
                closes.append(HistoricalClose(date: date, ticker: tickers[entry], close: try reader.readDouble()))
            }
            let splitCount = try reader.readCount(minimumElementSize: 11)
            var splits: [AcceptedAction] = []
            splits.reserveCapacity(splitCount)
            for _ in 0..<splitCount {
                let date = try reader.readDate()
                let ticker = try reader.readString()
                let raw = try reader.readString()
                guard let kind = CorporateActionKind(rawValue: raw) else {
                    throw ContractError.malformed(schema: schema, detail: "unknown action kind \(raw)")
                }
                splits.append(AcceptedAction(date: date, ticker: ticker, kind: kind, value: try reader.readDouble()))
            }
            try reader.expectEnd(Self.self)
            return PriceHistoryReply(closes: closes, splits: splits)
        }
    }
}

extension CompositionReply {
    private static let magic: StaticString = "EWCO"
    /// 2: the binary encoding (1 was JSON).
    package static let version = 2

    /// The session it is as of (when there is one), then its constituents as ``CompositionsReply`` writes a
    /// session's.
    package func encoded() throws -> Data {
        var writer = BinaryPayload.header(Self.magic, version: Self.version, capacity: 64 + constituents.count * 40)
        writer.writeOptional(asOf)
        writer.writeMemberLists([constituents]) { _, _ in }
        return Data(writer.bytes)
    }

    /// Decodes the binary encoding.
    package static func decoded(from data: Data, schemaTag: String?) throws -> CompositionReply {
        var reader = try BinaryPayload.reader(Self.self, magic: magic, data: data, schemaTag: schemaTag)
        return try BinaryPayload.decode(Self.self) {
            let asOf = try reader.readOptionalDate()
            let lists = try reader.readMemberLists(Self.self) { _ in () }
            guard lists.count == 1 else {
                throw ContractError.malformed(schema: schema, detail: "\(lists.count) constituent lists, not 1")
            }
            try reader.expectEnd(Self.self)
            return CompositionReply(asOf: asOf, constituents: lists[0].members)
        }
    }
}

extension CompositionsReply {
    private static let magic: StaticString = "EWCR"

    /// The compact binary encoding: a 10-year export of a 100-member index is about 252,000 members, ~27 bytes
    /// each here (JSON would be over 150). The sessions' members as ``BinaryWriter/writeMemberLists(_:prefix:)``
    /// writes them, each session's list after its date.
    package func encoded() throws -> Data {
        let members = sessions.reduce(0) { $0 + $1.constituents.count }
        var writer = BinaryPayload.header(Self.magic, version: Self.version, capacity: 64 + members * 28)
        writer.writeMemberLists(sessions.map(\.constituents)) { writer, offset in writer.write(sessions[offset].date) }
        return Data(writer.bytes)
    }

    /// Decodes the binary encoding.
    package static func decoded(from data: Data, schemaTag: String?) throws -> CompositionsReply {
        var reader = try BinaryPayload.reader(Self.self, magic: magic, data: data, schemaTag: schemaTag)
        return try BinaryPayload.decode(Self.self) {
            let lists = try reader.readMemberLists(Self.self) { reader in try reader.readDate() }
            try reader.expectEnd(Self.self)
            return CompositionsReply(
                sessions: lists.map { SessionComposition(date: $0.prefix, constituents: $0.members) })
        }
    }
}

/// A constituent's identity and metadata, written once per reply.
private struct StockKey: Hashable {
    var ticker: String
    var name: String?
    var sector: String?
}

extension BinaryWriter {
    /// Lists of constituents with their stock metadata. Each distinct (ticker, name, sector) is written once, in a
    /// table the members point into; then the number of lists and per list `prefix`'s fields, its members (table
    /// entry, rank, weight, market cap, close), then the positions and close dates of its carried members.
    fileprivate mutating func writeMemberLists(
        _ lists: [[ConstituentDetail]], prefix: (inout BinaryWriter, Int) -> Void
    ) {
        var table: [StockKey: Int] = [:]
        var entries: [StockKey] = []
        var references: [Int] = []
        references.reserveCapacity(lists.reduce(0) { $0 + $1.count })
        for list in lists {
            for member in list {
                let key = StockKey(ticker: member.constituent.ticker, name: member.name, sector: member.sector)
                if let reference = table[key] {
                    references.append(reference)
                } else {
                    table[key] = entries.count
                    references.append(entries.count)
                    entries.append(key)
                }
            }
        }
        writeCount(entries.count)
        for entry in entries {
            write(entry.ticker)
            writeOptional(entry.name)
            writeOptional(entry.sector)
        }
        writeCount(lists.count)
        var next = 0
        for (offset, list) in lists.enumerated() {
            prefix(&self, offset)
            writeCount(list.count)
            for member in list {
                writeCount(references[next])
                next += 1
                writeSigned(member.constituent.rank)
                write(member.constituent.weight)
                write(member.constituent.marketCap)
                write(member.constituent.close)
            }
            // Carried members are rare: their positions and close dates follow the list's members.
            let carried = list.enumerated().compactMap { position, member in
                member.constituent.lastCloseDate.map { (position, $0) }
            }
            writeCount(carried.count)
            for (position, date) in carried {
                writeCount(position)
                write(date)
            }
        }
    }
}

extension BinaryReader {
    /// Reads what ``BinaryWriter/writeMemberLists(_:prefix:)`` wrote, with what `prefix` reads before each list.
    fileprivate mutating func readMemberLists<T: WireMessage, Prefix>(
        _ type: T.Type, prefix: (inout BinaryReader) throws -> Prefix
    ) throws -> [(prefix: Prefix, members: [ConstituentDetail])] {
        let entryCount = try readCount(minimumElementSize: 3)
        var entries: [StockKey] = []
        entries.reserveCapacity(entryCount)
        for _ in 0..<entryCount {
            entries.append(
                StockKey(ticker: try readString(), name: try readOptionalString(), sector: try readOptionalString()))
        }
        let listCount = try readCount(minimumElementSize: 2)
        var lists: [(prefix: Prefix, members: [ConstituentDetail])] = []
        lists.reserveCapacity(listCount)
        for _ in 0..<listCount {
            let fields = try prefix(&self)
            let memberCount = try readCount(minimumElementSize: 26)
            var members: [ConstituentDetail] = []
            members.reserveCapacity(memberCount)
            for _ in 0..<memberCount {
                let reference = try readInt()
                guard reference < entries.count else {
                    throw ContractError.malformed(
                        schema: T.schema, detail: "stock \(reference) of a table of \(entries.count)")
                }
                let entry = entries[reference]
                let constituent = Constituent(
                    ticker: entry.ticker, rank: try readSigned(), weight: try readDouble(),
                    marketCap: try readDouble(), close: try readDouble()
                )
                members.append(ConstituentDetail(constituent: constituent, name: entry.name, sector: entry.sector))
            }
            // A position and a date: two bytes at least (a 2024 date is three).
            let carriedCount = try readCount(minimumElementSize: 2)
            for _ in 0..<carriedCount {
                let position = try readInt()
                guard position < members.count else {
                    throw ContractError.malformed(
                        schema: T.schema, detail: "carried member \(position) of \(members.count)")
                }
                members[position].constituent.lastCloseDate = try readDate()
            }
            lists.append((fields, members))
        }
        return lists
    }
}
