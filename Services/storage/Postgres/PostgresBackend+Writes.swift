import Contracts
import Foundation
import PostgresNIO
import StorageDatabase
import Synchronization
import TradingCalendar

/// The SQL of the writes, the PostgreSQL forms of the SQLite backend's.
enum WriteSQL {
    /// The time of a write as SQLite's `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')` renders it.
    static let now = #"to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"#
    /// Parameters one statement may carry (the protocol's limit is 65,535).
    static let maximumParameters = 60_000
}

extension PostgresBackend {
    // MARK: Prices

    /// Stores validated batches in one transaction; see ``StorageBackend/storeValidated(_:sequences:)``.
    ///
    /// The `prices` partition of each year in the call is created first, in the same transaction, when this process
    /// has not seen it yet (`CREATE TABLE IF NOT EXISTS ... PARTITION OF`).
    @discardableResult
    package func storeValidated(_ batches: [ValidatedBatch], sequences: [UInt64]?) async throws -> Int {
        precondition(sequences == nil || sequences?.count == batches.count, "one sequence per batch")
        guard !batches.isEmpty else { return 0 }
        let years = Set(batches.map(\.date.year))
        let missing = partitions.withLock { years.subtracting($0) }.sorted()
        let stored = try await write { [self] connection in
            for year in missing {
                try await Self.createPartition(year: year, on: connection, logger: logger)
            }
            var stored = 0
            for (offset, batch) in batches.enumerated() {
                let sequence = Int(clamping: sequences?[offset] ?? 0)
                if try await store(batch, sequence: sequence, on: connection) { stored += 1 }
            }
            return stored
        }
        // Only after the commit: a rolled-back CREATE TABLE left no partition.
        partitions.withLock { $0.formUnion(missing) }
        return stored
    }

    /// Creates the `prices` partition of `year` (`prices_y2024` holds 2024-01-01 to 2024-12-31) unless it exists.
    static func createPartition(year: Int, on connection: PostgresConnection, logger: Logger) async throws {
        precondition((1...9999).contains(year), "a four-digit year")
        let from = String(format: "%04d-01-01", year)
        let to = year == 9999 ? "9999-12-32" : String(format: "%04d-01-01", year + 1)
        try await connection.query(
            PostgresQuery(
                unsafeSQL: "CREATE TABLE IF NOT EXISTS prices_y\(String(format: "%04d", year)) PARTITION OF prices "
                    + "FOR VALUES FROM ('\(from)') TO ('\(to)')"
            ),
            logger: logger
        )
    }

    /// Stores one validated batch in the open transaction; false when it changed nothing.
    private func store(_ batch: ValidatedBatch, sequence: Int, on connection: PostgresConnection) async throws -> Bool {
        let date = batch.date.description
        let current = try await rows("SELECT batch_id, sequence FROM sessions WHERE date = \(date)", on: connection)
            .first?.decode((String, Int).self)
        if let current {
            if current.0 == batch.batchID {
                // The same content again, maybe re-published later: it now stands where the later message does.
                try await connection.query(
                    "UPDATE sessions SET sequence = \(sequence) WHERE date = \(date) AND sequence < \(sequence)",
                    logger: logger
                )
                return false
            }
            if sequence != 0 && current.1 > sequence { return false }
        }

        let batchID = batch.batchID
        let source = batch.source
        let replayID = batch.replay?.replayID
        let received = batch.receivedRows
        let valid = batch.rows.count
        let rejected = batch.rejectedRows
        try await connection.query(
            """
            INSERT INTO sessions (
                date, batch_id, source, replay_id, received_rows, valid_rows, rejected_rows, sequence, stored_at
            ) VALUES (
                \(date), \(batchID), \(source), \(replayID), \(received), \(valid), \(rejected), \(sequence),
                \(unescaped: WriteSQL.now)
            )
            ON CONFLICT (date) DO UPDATE SET
                batch_id = excluded.batch_id, source = excluded.source, replay_id = excluded.replay_id,
                received_rows = excluded.received_rows, valid_rows = excluded.valid_rows,
                rejected_rows = excluded.rejected_rows, sequence = excluded.sequence, stored_at = excluded.stored_at
            """,
            logger: logger
        )

        try await connection.query("DELETE FROM prices WHERE date = \(date)", logger: logger)
        try await copy(
            into: "prices",
            columns: ["date", "ticker", "open", "high", "low", "close", "volume", "market_cap", "flags"],
            batch.rows, on: connection
        ) { line, row in
            line.append(date)
            line.append(row.ticker)
            line.append(row.open)
            line.append(row.high)
            line.append(row.low)
            line.append(row.close)
            line.append(row.volume)
            line.append(row.marketCap)
            line.append(FlagCoding.encode(row.flags))
        }

        try await connection.query("DELETE FROM corporate_actions WHERE batch_date = \(date)", logger: logger)
        try await copy(
            into: "corporate_actions",
            columns: ["batch_date", "position", "date", "ticker", "kind", "value", "rejection"],
            Array(batch.actions.enumerated()), on: connection
        ) { line, entry in
            line.append(date)
            line.append(entry.offset)
            line.append(entry.element.action.date.description)
            line.append(entry.element.action.ticker)
            line.append(entry.element.action.kind)
            line.append(entry.element.action.value)
            line.append(entry.element.rejection?.rawValue)
        }

        // One row per ticker (the last description wins, as one upsert after another would have it); a row that
        // describes the stock as stored is not written, so a back-fill does not rewrite every stock each session.
        var latest: [String: StockInfo] = [:]
        for info in batch.stocks { latest[info.ticker] = info }
        let stocks = latest.values.sorted { $0.ticker < $1.ticker }
        guard !stocks.isEmpty else { return true }
        // Whole columns as arrays: one statement of five parameters, however many stocks.
        let tickers = stocks.map(\.ticker)
        let names = stocks.map(\.name)
        let sectors = stocks.map(\.sector)
        let exchanges = stocks.map(\.exchange)
        try await connection.query(
            """
            INSERT INTO stocks (ticker, name, sector, exchange, updated_at)
            SELECT ticker, name, sector, exchange, \(date)
            FROM unnest(\(tickers)::text[], \(names)::text[], \(sectors)::text[], \(exchanges)::text[])
                AS given (ticker, name, sector, exchange)
            -- A stock stored as given is left out before the upsert, which would lock (and so write) its row.
            WHERE NOT EXISTS (
                SELECT 1 FROM stocks
                WHERE stocks.ticker = given.ticker AND (stocks.name, stocks.sector, stocks.exchange)
                    = (given.name, given.sector, given.exchange)
            )
            ON CONFLICT (ticker) DO UPDATE SET
                name = excluded.name, sector = excluded.sector, exchange = excluded.exchange,
                updated_at = excluded.updated_at
            WHERE excluded.updated_at >= stocks.updated_at
                AND (stocks.name, stocks.sector, stocks.exchange)
                    IS DISTINCT FROM (excluded.name, excluded.sector, excluded.exchange)
            """,
            logger: logger
        )
        return true
    }

    /// Stores rejection batches in one transaction, upserting each rejection by (batch, position).
    package func storeRejections(_ batches: [RejectionBatch]) async throws {
        guard !batches.isEmpty else { return }
        try await write { [self] connection in
            for batch in batches {
                // One row per position (the last wins, as one upsert after another would have it).
                var byPosition: [Int: Rejection] = [:]
                for rejection in batch.rejections { byPosition[rejection.position] = rejection }
                let batchDate = batch.date.description
                try await insert(
                    into: """
                        rejections (
                            batch_id, position, batch_date, source, date, ticker, reason,
                            open, high, low, close, volume, market_cap, shares_outstanding, stored_at
                        )
                        """,
                    columns: 14, byPosition.values.sorted { $0.position < $1.position }, on: connection,
                    extra: WriteSQL.now,
                    suffix: """
                        ON CONFLICT (batch_id, position) DO UPDATE SET
                            batch_date = excluded.batch_date, source = excluded.source, date = excluded.date,
                            ticker = excluded.ticker, reason = excluded.reason, open = excluded.open,
                            high = excluded.high, low = excluded.low, close = excluded.close,
                            volume = excluded.volume, market_cap = excluded.market_cap,
                            shares_outstanding = excluded.shares_outstanding
                        """
                ) { bindings, rejection in
                    let row = rejection.row
                    bindings.append(batch.batchID)
                    bindings.append(rejection.position)
                    bindings.append(batchDate)
                    bindings.append(batch.source)
                    bindings.append(row.date.description)
                    bindings.append(row.ticker)
                    bindings.append(rejection.reason.rawValue)
                    bindings.append(row.open)
                    bindings.append(row.high)
                    bindings.append(row.low)
                    bindings.append(row.close)
                    bindings.append(row.volume)
                    bindings.append(row.marketCap)
                    bindings.append(row.sharesOutstanding)
                }
            }
        }
    }

    // MARK: Index results

    /// Stores index results in one transaction; see ``StorageBackend/storeIndexResults(_:sequences:)``.
    package func storeIndexResults(_ results: [IndexResult], sequences: [UInt64]?) async throws {
        guard !results.isEmpty else { return }
        precondition(sequences == nil || sequences?.count == results.count, "one sequence per result")
        try await write { [self] connection in
            for (position, result) in results.enumerated() {
                try await store(result, sequence: sequences?[position], on: connection)
            }
        }
    }

    /// Whether a message at `sequence` is not older than what is stored for (`kind`, index, date); records it when
    /// so. Without a sequence, always (and nothing is recorded).
    private func isNewest(
        _ kind: String, index: String, date: String, sequence: UInt64?, on connection: PostgresConnection
    ) async throws -> Bool {
        guard let sequence else { return true }
        let value = Int(clamping: sequence)
        let stored = try await rows(
            """
            SELECT sequence FROM index_result_sequences WHERE kind = \(kind) AND index_id = \(index) AND date = \(date)
            """,
            on: connection
        ).first?.decode(Int.self)
        if let stored, stored > value { return false }
        try await connection.query(
            """
            INSERT INTO index_result_sequences (kind, index_id, date, sequence) VALUES (\(kind), \(index), \(date), \(value))
            ON CONFLICT (kind, index_id, date) DO UPDATE SET sequence = excluded.sequence
            """,
            logger: logger
        )
        return true
    }

    /// Stores one index result in the open transaction.
    private func store(_ result: IndexResult, sequence: UInt64?, on connection: PostgresConnection) async throws {
        // A result of a definition removed while it was on its way (or never added) is not kept.
        guard try await isDefined(result.index, on: connection) else { return }
        let index = result.index
        let date = result.date.description
        guard try await isNewest("result", index: index, date: date, sequence: sequence, on: connection) else { return }
        guard !result.isRetraction else {
            // Constituents and composition changes go with their parent rows (ON DELETE CASCADE).
            try await connection.query(
                "DELETE FROM index_levels WHERE index_id = \(index) AND date = \(date)", logger: logger
            )
            try await connection.query(
                "DELETE FROM composition_events WHERE index_id = \(index) AND date = \(date)", logger: logger
            )
            return
        }
        // A base session has no composition event: one stored while the date was not the base goes.
        if result.previousDate == nil {
            try await connection.query(
                "DELETE FROM composition_events WHERE index_id = \(index) AND date = \(date)", logger: logger
            )
        }
        try await writeLevels([result], index: index, upsert: true, on: connection)
        try await connection.query(
            "DELETE FROM index_constituents WHERE index_id = \(index) AND date = \(date)", logger: logger
        )
        try await writeConstituents(of: [result], index: index, on: connection)
    }

    /// Inserts the level rows of `results` under `index` in as few statements as the parameter limit allows; with
    /// `upsert`, a stored level of the same index and date is replaced.
    private func writeLevels(
        _ results: [IndexResult], index: String, upsert: Bool, on connection: PostgresConnection
    ) async throws {
        try await insert(
            into: """
                index_levels (
                    index_id, date, previous_date, level, daily_return, source_batch_id, previous_tickers, departures,
                    replay_id, replay_refetched, turnover, stored_at
                )
                """,
            columns: 11, results, on: connection, extra: WriteSQL.now,
            suffix: upsert
                ? """
                ON CONFLICT (index_id, date) DO UPDATE SET
                    previous_date = excluded.previous_date, level = excluded.level,
                    daily_return = excluded.daily_return, source_batch_id = excluded.source_batch_id,
                    previous_tickers = excluded.previous_tickers, departures = excluded.departures,
                    replay_id = excluded.replay_id, replay_refetched = excluded.replay_refetched,
                    turnover = excluded.turnover, stored_at = excluded.stored_at
                """ : ""
        ) { bindings, result in
            bindings.append(index)
            bindings.append(result.date.description)
            bindings.append(result.previousDate?.description)
            bindings.append(result.level)
            bindings.append(result.dailyReturn)
            bindings.append(result.sourceBatchID)
            bindings.append(try StoredJSON.encode(result.previousTickers))
            bindings.append(try StoredJSON.encode(result.departures))
            bindings.append(result.replay?.replayID)
            bindings.append(result.replay.map { $0.refetched ? 1 : 0 })
            bindings.append(result.turnover)
        }
    }

    /// Inserts the constituents of `results` under `index`.
    private func writeConstituents(
        of results: [IndexResult], index: String, on connection: PostgresConnection
    ) async throws {
        let members = results.flatMap { result in result.constituents.map { (date: result.date, member: $0) } }
        try await copy(
            into: "index_constituents",
            columns: ["index_id", "date", "rank", "ticker", "weight", "market_cap", "close", "last_close_date"],
            members, on: connection
        ) { line, entry in
            line.append(index)
            line.append(entry.date.description)
            line.append(entry.member.rank)
            line.append(entry.member.ticker)
            line.append(entry.member.weight)
            line.append(entry.member.marketCap)
            line.append(entry.member.close)
            line.append(entry.member.lastCloseDate?.description)
        }
    }

    /// Inserts the added and removed tickers of `events` under `index`, each list in its order.
    private func writeChanges(
        of events: [CompositionEvent], index: String, on connection: PostgresConnection
    ) async throws {
        var entries: [(date: SessionDate, kind: String, position: Int, change: CompositionChange)] = []
        for event in events {
            for (kind, changes) in [("added", event.added), ("removed", event.removed)] {
                entries += changes.enumerated().map {
                    (date: event.date, kind: kind, position: $0.offset, change: $0.element)
                }
            }
        }
        try await copy(
            into: "composition_changes",
            columns: ["index_id", "date", "kind", "ticker", "rank", "market_cap", "position"], entries, on: connection
        ) { line, entry in
            line.append(index)
            line.append(entry.date.description)
            line.append(entry.kind)
            line.append(entry.change.ticker)
            line.append(entry.change.rank)
            line.append(entry.change.marketCap)
            line.append(entry.position)
        }
    }

    /// Stores composition events in one transaction, each replacing what its index and date had; see
    /// ``StorageBackend/storeCompositionEvents(_:)``.
    package func storeCompositionEvents(_ events: [CompositionEvent]) async throws {
        guard !events.isEmpty else { return }
        try await write { [self] connection in
            for event in events {
                guard try await isDefined(event.index, on: connection) else { continue }
                let index = event.index
                let date = event.date.description
                guard
                    try await isNewest(
                        "event", index: index, date: date, sequence: event.resultSequence, on: connection)
                else { continue }
                let previousDate = event.previousDate.description
                let turnover = event.turnover
                try await connection.query(
                    """
                    INSERT INTO composition_events (index_id, date, previous_date, turnover, stored_at)
                    VALUES (\(index), \(date), \(previousDate), \(turnover), \(unescaped: WriteSQL.now))
                    ON CONFLICT (index_id, date) DO UPDATE SET
                        previous_date = excluded.previous_date, turnover = excluded.turnover,
                        stored_at = excluded.stored_at
                    """,
                    logger: logger
                )
                try await connection.query(
                    "DELETE FROM composition_changes WHERE index_id = \(index) AND date = \(date)", logger: logger
                )
                try await writeChanges(of: [event], index: index, on: connection)
            }
        }
    }

    /// Replaces a range of an index's stored series in one transaction; see ``StorageBackend/storeHistory(_:)``.
    package func storeHistory(_ command: StoreHistoryCommand) async throws -> Int {
        try await write { [self] connection in
            let index = command.index
            guard try await isDefined(index, on: connection) else { return 0 }
            let results = command.results.filter { !$0.isRetraction }
            for result in results where !command.range.contains(result.date) {
                throw StoredDataError("a result of \(result.date) outside \(command.range)")
            }
            for event in command.events where !command.range.contains(event.date) {
                throw StoredDataError("an event of \(event.date) outside \(command.range)")
            }
            let start = command.range.start.description
            let end = command.range.end.description
            // Constituents and composition changes go with their parent rows (ON DELETE CASCADE).
            try await connection.query(
                "DELETE FROM index_levels WHERE index_id = \(index) AND date BETWEEN \(start) AND \(end)",
                logger: logger
            )
            try await connection.query(
                "DELETE FROM composition_events WHERE index_id = \(index) AND date BETWEEN \(start) AND \(end)",
                logger: logger
            )
            try await writeLevels(results, index: index, upsert: false, on: connection)
            try await writeConstituents(of: results, index: index, on: connection)
            try await insert(
                into: "composition_events (index_id, date, previous_date, turnover, stored_at)", columns: 4,
                command.events, on: connection, extra: WriteSQL.now
            ) { bindings, event in
                bindings.append(index)
                bindings.append(event.date.description)
                bindings.append(event.previousDate.description)
                bindings.append(event.turnover)
            }
            try await writeChanges(of: command.events, index: index, on: connection)
            return results.count
        }
    }

    // MARK: Stream epochs

    /// Records the streams' creation times, forgetting the sequences of a stream made again; see
    /// ``StorageBackend/adoptStreamEpochs(_:)``.
    @discardableResult
    package func adoptStreamEpochs(
        _ created: [IndexDatabase.SequencedStream: Int64]
    ) async throws -> [IndexDatabase.SequencedStream] {
        try await write { [self] connection in
            var forgotten: [IndexDatabase.SequencedStream] = []
            for stream in IndexDatabase.SequencedStream.allCases {
                guard let epoch = created[stream] else { continue }
                let name = stream.rawValue
                let stored = try await rows(
                    "SELECT created FROM stream_epochs WHERE stream = \(name)", on: connection
                ).first?.decode(Int64.self)
                guard stored != epoch else { continue }
                let clear: PostgresQuery =
                    switch stream {
                    case .validatedPrices:
                        "WITH c AS (UPDATE sessions SET sequence = 0 WHERE sequence <> 0 RETURNING 1) SELECT count(*) FROM c"
                    case .indexResults:
                        "WITH c AS (DELETE FROM index_result_sequences RETURNING 1) SELECT count(*) FROM c"
                    }
                let cleared = try await rows(clear, on: connection).first?.decode(Int.self) ?? 0
                if cleared > 0 { forgotten.append(stream) }
                try await connection.query(
                    """
                    INSERT INTO stream_epochs (stream, created) VALUES (\(name), \(epoch))
                    ON CONFLICT (stream) DO UPDATE SET created = excluded.created
                    """,
                    logger: logger
                )
            }
            return forgotten
        }
    }

    // MARK: Definitions

    /// Stores an added definition with the job that builds it; an id in use changes nothing.
    package func addDefinition(
        _ definition: IndexDefinition, jobID: String, builtIn: [IndexDefinition]
    ) async throws -> DefineIndexReply {
        if let existing = builtIn.first(where: { $0.id == definition.id }) {
            return DefineIndexReply(created: false, definition: StoredDefinition(definition: existing, builtIn: true))
        }
        let id = definition.id
        let json = try StoredJSON.encode(definition)
        let created = try await write { [self] connection -> Bool in
            guard try await !isStored(id, on: connection) else { return false }
            // A definition removed earlier may have left results that arrived after its removal: start clean.
            try await connection.query("DELETE FROM index_levels WHERE index_id = \(id)", logger: logger)
            try await connection.query("DELETE FROM composition_events WHERE index_id = \(id)", logger: logger)
            try await connection.query(
                """
                INSERT INTO index_definitions (id, definition, job_id, created_at)
                VALUES (\(id), \(json), \(jobID), \(unescaped: WriteSQL.now))
                """,
                logger: logger
            )
            return true
        }
        guard let stored = try await definitions(builtIn: [], id: id).first else {
            throw StoredDataError("definition \(id) not found after it was stored")
        }
        return DefineIndexReply(created: created, definition: stored)
    }

    /// Removes an added definition and every stored result, constituent and composition event of it.
    package func removeDefinition(_ id: String, builtIn: [IndexDefinition]) async throws -> RemoveIndexReply.Outcome {
        if builtIn.contains(where: { $0.id == id }) { return .builtIn }
        return try await write { [self] connection in
            guard try await isStored(id, on: connection) else { return .unknown }
            try await connection.query("DELETE FROM index_definitions WHERE id = \(id)", logger: logger)
            // Constituents and composition changes go with their parent rows (ON DELETE CASCADE).
            try await connection.query("DELETE FROM index_levels WHERE index_id = \(id)", logger: logger)
            try await connection.query("DELETE FROM composition_events WHERE index_id = \(id)", logger: logger)
            return .removed
        }
    }

    /// Whether `id` names a built-in or a stored definition, in the open transaction.
    func isDefined(_ id: String, on connection: PostgresConnection) async throws -> Bool {
        if Indexes.builtInIDs.contains(id) { return true }
        return try await isStored(id, on: connection)
    }

    /// Whether `id` names a stored (added) definition, in the open transaction.
    func isStored(_ id: String, on connection: PostgresConnection) async throws -> Bool {
        try await !rows("SELECT 1 FROM index_definitions WHERE id = \(id)", on: connection).isEmpty
    }

    // MARK: Many rows in one statement

    /// Writes `items` with one `COPY <table> (<columns>) FROM STDIN` in the open transaction, each row's columns
    /// given by `bind` in the order of `columns`: PostgreSQL's bulk path, without a statement to parse per row.
    func copy<Item>(
        into table: String, columns: [String], _ items: [Item], on connection: PostgresConnection,
        bind: (inout CopyRows, Item) throws -> Void
    ) async throws {
        guard !items.isEmpty else { return }
        // The text is made before the copy starts: the server waits on nothing but the network.
        var chunks: [ByteBuffer] = []
        var rows = CopyRows()
        for item in items {
            try bind(&rows, item)
            rows.endRow()
            if rows.text.utf8.count >= CopyRows.chunkBytes {
                chunks.append(ByteBuffer(string: rows.text))
                rows = CopyRows()
            }
        }
        if !rows.text.isEmpty { chunks.append(ByteBuffer(string: rows.text)) }
        try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
            for chunk in chunks { try await writer.write(chunk) }
        }
    }

    /// Inserts `items` with as few statements as the parameter limit allows: `INSERT INTO <table> VALUES (...),
    /// (...) <suffix>`, each row's `columns` parameters bound by `bind`, then `extra` (SQL) when given.
    func insert<Item>(
        into table: String, columns: Int, _ items: [Item], on connection: PostgresConnection, extra: String? = nil,
        suffix: String = "", bind: (inout PostgresBindings, Item) throws -> Void
    ) async throws {
        guard !items.isEmpty else { return }
        let perStatement = WriteSQL.maximumParameters / columns
        var start = 0
        while start < items.count {
            let chunk = items[start..<min(start + perStatement, items.count)]
            var bindings = PostgresBindings(capacity: chunk.count * columns)
            var sql = "INSERT INTO \(table) VALUES "
            sql.reserveCapacity(chunk.count * columns * 6 + 200)
            for (offset, item) in chunk.enumerated() {
                try bind(&bindings, item)
                sql += offset == 0 ? "(" : ", ("
                for column in 1...columns {
                    if column > 1 { sql += ", " }
                    sql += "$\(offset * columns + column)"
                }
                if let extra { sql += ", " + extra }
                sql += ")"
            }
            if !suffix.isEmpty { sql += " " + suffix }
            try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
            start += chunk.count
        }
    }
}

/// Rows in the text format of `COPY ... FROM STDIN`: a tab between columns, a newline after each row, `\N` for NULL.
///
/// A finite `Double` is written as Swift's shortest text that reads back as the same value, which PostgreSQL's
/// `float8` input does read back exactly: the stored bits are those a bound parameter would have given (a NaN is
/// stored as PostgreSQL's one NaN).
struct CopyRows {
    /// The size of the pieces sent to the server.
    static let chunkBytes = 1 << 20

    /// The rows so far.
    private(set) var text = ""
    /// Whether the row being written has a column yet.
    private var inRow = false

    /// Appends a text column (NULL for nil), escaping what the format reserves.
    mutating func append(_ value: String?) {
        separate()
        guard let value else {
            text += #"\N"#
            return
        }
        guard value.utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else {
            text += value
            return
        }
        for character in value.unicodeScalars {
            switch character {
            case "\\": text += #"\\"#
            case "\t": text += #"\t"#
            case "\n": text += #"\n"#
            case "\r": text += #"\r"#
            default: text.unicodeScalars.append(character)
            }
        }
    }

    /// Appends a `float8` column (NULL for nil); NaN and the infinities in the words `float8` reads.
    mutating func append(_ value: Double?) {
        guard let value, value.isFinite else {
            append(value.map { $0.isNaN ? "NaN" : $0 < 0 ? "-Infinity" : "Infinity" })
            return
        }
        append(value.description)
    }

    /// Appends an integer column (NULL for nil).
    mutating func append(_ value: Int?) {
        append(value.map(String.init))
    }

    /// Ends the row.
    mutating func endRow() {
        text += "\n"
        inRow = false
    }

    /// The tab before every column but a row's first.
    private mutating func separate() {
        if inRow { text += "\t" }
        inRow = true
    }
}
