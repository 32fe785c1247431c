import Foundation
import TradingCalendar

// Index results in the compact binary encoding of the price payloads (version 2). Version 1 was JSON; results of
// version 1 still in a stream or a dead-letter queue when a build of version 2 starts are read as JSON.

extension IndexResult {
    private static let magic: StaticString = "EWIR"
    /// Version 2: binary. Version 1, JSON, is still read.
    package static let version = 2
    /// The last version written as JSON.
    private static let jsonVersion = 1

    /// The compact binary encoding: equal results give equal bytes (the message id hashes them).
    package func encoded() throws -> Data {
        var writer = BinaryPayload.header(
            Self.magic, version: Self.version, capacity: 96 + constituents.count * 48 + departures.count * 24)
        writer.write(index)
        writer.write(date)
        writer.writeOptional(previousDate)
        writer.write(level)
        writer.write(dailyReturn)
        writer.writeCount(constituents.count)
        for constituent in constituents {
            writer.write(constituent.ticker)
            writer.writeSigned(constituent.rank)
            writer.write(constituent.weight)
            writer.write(constituent.marketCap)
            writer.write(constituent.close)
            writer.writeOptional(constituent.lastCloseDate)
        }
        writer.writeCount(previousTickers.count)
        for ticker in previousTickers { writer.write(ticker) }
        writer.writeCount(departures.count)
        for departure in departures {
            writer.write(departure.ticker)
            writer.write(departure.rank != nil)
            if let rank = departure.rank { writer.writeSigned(rank) }
            writer.writeOptional(departure.marketCap)
        }
        writer.write(sourceBatchID)
        writer.write(replay)
        writer.writeOptional(turnover)
        return Data(writer.bytes)
    }

    /// Decodes the binary encoding, or a version 1 (JSON) payload.
    package static func decoded(from data: Data, schemaTag: String?) throws -> IndexResult {
        if data.first == UInt8(ascii: "{") {
            return try jsonDecoded(from: data, schemaTag: schemaTag, version: jsonVersion)
        }
        var reader = try BinaryPayload.reader(Self.self, magic: magic, data: data, schemaTag: schemaTag)
        return try BinaryPayload.decode(Self.self) {
            let index = try reader.readString()
            let date = try reader.readDate()
            let previousDate = try reader.readOptionalDate()
            let level = try reader.readDouble()
            let dailyReturn = try reader.readDouble()
            let count = try reader.readCount(minimumElementSize: 27)
            var constituents: [Constituent] = []
            constituents.reserveCapacity(count)
            for _ in 0..<count {
                constituents.append(
                    Constituent(
                        ticker: try reader.readString(), rank: try reader.readSigned(), weight: try reader.readDouble(),
                        marketCap: try reader.readDouble(), close: try reader.readDouble(),
                        lastCloseDate: try reader.readOptionalDate()))
            }
            let tickerCount = try reader.readCount(minimumElementSize: 1)
            var previousTickers: [String] = []
            previousTickers.reserveCapacity(tickerCount)
            for _ in 0..<tickerCount { previousTickers.append(try reader.readString()) }
            let departureCount = try reader.readCount(minimumElementSize: 3)
            var departures: [CompositionChange] = []
            departures.reserveCapacity(departureCount)
            for _ in 0..<departureCount {
                let ticker = try reader.readString()
                let rank = try reader.readBool() ? try reader.readSigned() : nil
                departures.append(
                    CompositionChange(ticker: ticker, rank: rank, marketCap: try reader.readOptionalDouble()))
            }
            let sourceBatchID = try reader.readString()
            let replay = try reader.readReplay()
            let turnover = try reader.readOptionalDouble()
            try reader.expectEnd(Self.self)
            return IndexResult(
                index: index, date: date, previousDate: previousDate, level: level, dailyReturn: dailyReturn,
                constituents: constituents, previousTickers: previousTickers, departures: departures,
                sourceBatchID: sourceBatchID, replay: replay, turnover: turnover)
        }
    }
}
