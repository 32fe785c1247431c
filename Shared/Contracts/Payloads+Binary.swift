import Foundation
import TradingCalendar

// The price payloads (thousands of rows per message) use the compact binary encoding of ``BinaryWriter``:
// a 4-byte magic, the schema version, then the fields in declaration order.

/// The binary encoding shared by the price payloads.
enum BinaryPayload {
    static func header(_ magic: StaticString, version: Int, capacity: Int) -> BinaryWriter {
        var writer = BinaryWriter(capacity: capacity)
        magic.withUTF8Buffer { writer.bytesAppend($0) }
        writer.writeCount(version)
        return writer
    }

    static func reader<T: WireMessage>(
        _ type: T.Type, magic: StaticString, data: Data, schemaTag: String?
    ) throws -> BinaryReader {
        try T.checkSchema(tag: schemaTag)
        var reader = BinaryReader(data)
        do {
            var matches = true
            magic.withUTF8Buffer { expected in
                for byte in expected where (try? reader.readByte()) != byte { matches = false }
            }
            guard matches else {
                throw ContractError.malformed(schema: T.schema, detail: "not a \(T.schema) payload (bad magic)")
            }
            let version = try reader.readVarint()
            guard version == UInt64(T.version) else {
                throw ContractError.unsupportedVersion(schema: T.schema, version: Int(version), supported: T.version)
            }
        } catch let failure as BinaryReader.Failure {
            throw ContractError.malformed(schema: T.schema, detail: "\(failure)")
        }
        return reader
    }

    /// Runs the body and turns a read failure into ``ContractError/malformed(schema:detail:)``.
    static func decode<T: WireMessage>(_ type: T.Type, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let failure as BinaryReader.Failure {
            throw ContractError.malformed(schema: T.schema, detail: "\(failure)")
        }
    }
}

extension BinaryWriter {
    fileprivate mutating func bytesAppend(_ buffer: UnsafeBufferPointer<UInt8>) {
        for byte in buffer { write(byte) }
    }

    mutating func write(_ stock: StockInfo) {
        write(stock.ticker)
        write(stock.name)
        write(stock.sector)
        write(stock.exchange)
    }

    mutating func write(_ replay: ReplayMark?) {
        guard let replay else { return write(false) }
        write(true)
        write(replay.replayID)
        write(replay.refetched)
    }

    mutating func write(_ action: CorporateAction) {
        write(action.date)
        write(action.ticker)
        write(action.kind)
        writeOptional(action.value)
    }

    /// An action and its rejection's raw value ("" when accepted).
    mutating func write(_ validated: ValidatedAction) {
        write(validated.action)
        write(validated.rejection?.rawValue ?? "")
    }

    mutating func write(_ row: PriceRow) {
        write(row.date)
        write(row.ticker)
        // Spelled out rather than looped over an array: this runs for every row of every batch.
        var mask: UInt8 = 0
        if row.open != nil { mask |= 1 }
        if row.high != nil { mask |= 2 }
        if row.low != nil { mask |= 4 }
        if row.close != nil { mask |= 8 }
        if row.volume != nil { mask |= 16 }
        if row.marketCap != nil { mask |= 32 }
        if row.sharesOutstanding != nil { mask |= 64 }
        write(mask)
        if let value = row.open { write(value) }
        if let value = row.high { write(value) }
        if let value = row.low { write(value) }
        if let value = row.close { write(value) }
        if let value = row.volume { write(value) }
        if let value = row.marketCap { write(value) }
        if let value = row.sharesOutstanding { write(value) }
    }
}

extension BinaryReader {
    mutating func readStock() throws -> StockInfo {
        StockInfo(
            ticker: try readString(), name: try readString(), sector: try readString(), exchange: try readString())
    }

    mutating func readReplay() throws -> ReplayMark? {
        guard try readBool() else { return nil }
        return ReplayMark(replayID: try readString(), refetched: try readBool())
    }

    mutating func readAction() throws -> CorporateAction {
        let date = try readDate()
        let ticker = try readString()
        let kind = try readString()
        let value = try readOptionalDouble()
        return CorporateAction(date: date, ticker: ticker, kind: kind, value: value)
    }

    mutating func readValidatedAction<T: WireMessage>(_ type: T.Type) throws -> ValidatedAction {
        let action = try readAction()
        let raw = try readString()
        guard !raw.isEmpty else { return ValidatedAction(action: action, rejection: nil) }
        guard let reason = ActionRejectionReason(rawValue: raw) else {
            throw ContractError.malformed(schema: T.schema, detail: "unknown action rejection \(raw)")
        }
        return ValidatedAction(action: action, rejection: reason)
    }

    mutating func readPriceRow() throws -> PriceRow {
        let date = try readDate()
        let ticker = try readString()
        let mask = try readByte()
        func field(_ bit: UInt8) throws -> Double? { mask & (1 << bit) != 0 ? try readDouble() : nil }
        return PriceRow(
            date: date, ticker: ticker, open: try field(0), high: try field(1), low: try field(2),
            close: try field(3), volume: try field(4), marketCap: try field(5), sharesOutstanding: try field(6)
        )
    }

    mutating func readStocks() throws -> [StockInfo] {
        let count = try readCount(minimumElementSize: 4)
        var stocks: [StockInfo] = []
        stocks.reserveCapacity(count)
        for _ in 0..<count { stocks.append(try readStock()) }
        return stocks
    }

    mutating func expectEnd<T: WireMessage>(_ type: T.Type) throws {
        guard isAtEnd else { throw ContractError.malformed(schema: T.schema, detail: "trailing bytes at \(offset)") }
    }
}

extension PriceBatch {
    private static let magic: StaticString = "EWPB"

    /// The compact binary encoding.
    package func encoded() throws -> Data {
        var writer = BinaryPayload.header(Self.magic, version: Self.version, capacity: 64 + rows.count * 64)
        writer.write(batchID)
        writer.write(date)
        writer.write(source)
        writer.writeCount(chunk.index)
        writer.writeCount(chunk.count)
        writer.write(replay)
        writer.writeCount(rows.count)
        for row in rows { writer.write(row) }
        writer.writeCount(stocks.count)
        for stock in stocks { writer.write(stock) }
        writer.writeCount(actions.count)
        for action in actions { writer.write(action) }
        return Data(writer.bytes)
    }

    /// Decodes the binary encoding; every row must be dated the batch's date.
    package static func decoded(from data: Data, schemaTag: String?) throws -> PriceBatch {
        var reader = try BinaryPayload.reader(Self.self, magic: magic, data: data, schemaTag: schemaTag)
        let batch = try BinaryPayload.decode(Self.self) {
            let batchID = try reader.readString()
            let date = try reader.readDate()
            let source = try reader.readString()
            let chunk = ChunkInfo(index: try reader.readInt(), count: try reader.readInt())
            let replay = try reader.readReplay()
            let count = try reader.readCount(minimumElementSize: 4)
            var rows: [PriceRow] = []
            rows.reserveCapacity(count)
            for _ in 0..<count { rows.append(try reader.readPriceRow()) }
            let stocks = try reader.readStocks()
            let actionCount = try reader.readCount(minimumElementSize: 5)
            var actions: [CorporateAction] = []
            actions.reserveCapacity(actionCount)
            for _ in 0..<actionCount { actions.append(try reader.readAction()) }
            try reader.expectEnd(Self.self)
            return PriceBatch(
                batchID: batchID, date: date, source: source, chunk: chunk, replay: replay, rows: rows, stocks: stocks,
                actions: actions
            )
        }
        guard batch.chunk.count >= 1, batch.chunk.index < batch.chunk.count else {
            throw ContractError.malformed(schema: schema, detail: "chunk \(batch.chunk.index) of \(batch.chunk.count)")
        }
        if let stray = batch.rows.firstIndex(where: { $0.date != batch.date }) {
            throw ContractError.malformed(
                schema: schema,
                detail: "row \(stray) is dated \(batch.rows[stray].date) in the batch of \(batch.date)"
            )
        }
        return batch
    }
}

extension ValidatedBatch {
    private static let magic: StaticString = "EWVB"

    /// The compact binary encoding.
    package func encoded() throws -> Data {
        var writer = BinaryPayload.header(Self.magic, version: Self.version, capacity: 64 + rows.count * 56)
        writer.write(batchID)
        writer.write(date)
        writer.write(source)
        writer.write(replay)
        writer.writeCount(receivedRows)
        writer.writeCount(rejectedRows)
        writer.writeCount(rows.count)
        for row in rows {
            writer.write(row.ticker)
            var mask: UInt8 = 0
            if row.open != nil { mask |= 1 }
            if row.high != nil { mask |= 2 }
            if row.low != nil { mask |= 4 }
            if row.volume != nil { mask |= 8 }
            for flag in row.flags { mask |= flag == .priceJump ? 0x10 : 0x20 }
            writer.write(mask)
            if let value = row.open { writer.write(value) }
            if let value = row.high { writer.write(value) }
            if let value = row.low { writer.write(value) }
            if let value = row.volume { writer.write(value) }
            writer.write(row.close)
            writer.write(row.marketCap)
        }
        writer.writeCount(stocks.count)
        for stock in stocks { writer.write(stock) }
        writer.writeCount(actions.count)
        for validated in actions { writer.write(validated) }
        return Data(writer.bytes)
    }

    /// Decodes the binary encoding.
    package static func decoded(from data: Data, schemaTag: String?) throws -> ValidatedBatch {
        var reader = try BinaryPayload.reader(Self.self, magic: magic, data: data, schemaTag: schemaTag)
        return try BinaryPayload.decode(Self.self) {
            let batchID = try reader.readString()
            let date = try reader.readDate()
            let source = try reader.readString()
            let replay = try reader.readReplay()
            let received = try reader.readInt()
            let rejected = try reader.readInt()
            let count = try reader.readCount(minimumElementSize: 18)
            var rows: [ValidRow] = []
            rows.reserveCapacity(count)
            for _ in 0..<count {
                let ticker = try reader.readString()
                let mask = try reader.readByte()
                func field(_ bit: UInt8) throws -> Double? { mask & (1 << bit) != 0 ? try reader.readDouble() : nil }
                let open = try field(0)
                let high = try field(1)
                let low = try field(2)
                let volume = try field(3)
                var flags: [PriceFlag] = []
                if mask & 0x10 != 0 { flags.append(.priceJump) }
                if mask & 0x20 != 0 { flags.append(.stale) }
                rows.append(
                    ValidRow(
                        ticker: ticker, open: open, high: high, low: low, close: try reader.readDouble(),
                        volume: volume,
                        marketCap: try reader.readDouble(), flags: flags
                    ))
            }
            let stocks = try reader.readStocks()
            let actionCount = try reader.readCount(minimumElementSize: 6)
            var actions: [ValidatedAction] = []
            actions.reserveCapacity(actionCount)
            for _ in 0..<actionCount { actions.append(try reader.readValidatedAction(Self.self)) }
            try reader.expectEnd(Self.self)
            return ValidatedBatch(
                batchID: batchID, date: date, source: source, replay: replay, rows: rows, stocks: stocks,
                receivedRows: received, rejectedRows: rejected, actions: actions
            )
        }
    }
}

extension RejectionBatch {
    private static let magic: StaticString = "EWRB"

    /// The compact binary encoding.
    package func encoded() throws -> Data {
        var writer = BinaryPayload.header(Self.magic, version: Self.version, capacity: 64 + rejections.count * 80)
        writer.write(batchID)
        writer.write(date)
        writer.write(source)
        writer.write(replay)
        writer.writeCount(rejections.count)
        for rejection in rejections {
            writer.write(rejection.row)
            writer.write(rejection.reason.rawValue)
            writer.writeCount(rejection.position)
        }
        return Data(writer.bytes)
    }

    /// Decodes the binary encoding.
    package static func decoded(from data: Data, schemaTag: String?) throws -> RejectionBatch {
        var reader = try BinaryPayload.reader(Self.self, magic: magic, data: data, schemaTag: schemaTag)
        return try BinaryPayload.decode(Self.self) {
            let batchID = try reader.readString()
            let date = try reader.readDate()
            let source = try reader.readString()
            let replay = try reader.readReplay()
            let count = try reader.readCount(minimumElementSize: 5)
            var rejections: [Rejection] = []
            rejections.reserveCapacity(count)
            for _ in 0..<count {
                let row = try reader.readPriceRow()
                let raw = try reader.readString()
                guard let reason = RejectionReason(rawValue: raw) else {
                    throw ContractError.malformed(schema: schema, detail: "unknown rejection reason \(raw)")
                }
                rejections.append(Rejection(row: row, reason: reason, position: try reader.readInt()))
            }
            try reader.expectEnd(Self.self)
            return RejectionBatch(
                batchID: batchID, date: date, source: source, replay: replay, rejections: rejections
            )
        }
    }
}

extension CorporateActionsReply {
    private static let magic: StaticString = "EWCA"
    /// 2: the binary encoding (1 was JSON, which cost the index-builder seconds for a 10-year history's actions).
    package static let version = 2

    /// The compact binary encoding: the count, then each action and its rejection.
    package func encoded() throws -> Data {
        var writer = BinaryPayload.header(Self.magic, version: Self.version, capacity: 16 + actions.count * 32)
        writer.writeCount(actions.count)
        for validated in actions { writer.write(validated) }
        return Data(writer.bytes)
    }

    /// Decodes the binary encoding.
    package static func decoded(from data: Data, schemaTag: String?) throws -> CorporateActionsReply {
        var reader = try BinaryPayload.reader(Self.self, magic: magic, data: data, schemaTag: schemaTag)
        return try BinaryPayload.decode(Self.self) {
            let count = try reader.readCount(minimumElementSize: 6)
            var actions: [ValidatedAction] = []
            actions.reserveCapacity(count)
            for _ in 0..<count { actions.append(try reader.readValidatedAction(Self.self)) }
            try reader.expectEnd(Self.self)
            return CorporateActionsReply(actions: actions)
        }
    }
}
