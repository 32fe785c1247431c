import Contracts
import Dispatch
import Logging
import Resilience
import TradingCalendar

/// The embedded backend: an ``IndexDatabase`` (one SQLite file), its blocking calls run off the concurrency pool.
///
/// Writes run one at a time on the backend's own serial queue (SQLite has one writer); reads on the global queue,
/// where the database's reader connections serve them in parallel.
package struct SQLiteBackend: StorageBackend {
    /// The database.
    package let database: IndexDatabase
    /// Where backups are reported.
    private let logger: Logger
    /// Writes happen one at a time, off the concurrency pool.
    private let writeQueue = DispatchQueue(label: "storage.sqlite.writer")

    /// A backend over an open database.
    package init(database: IndexDatabase, logger: Logger = Logger(label: "storage.database")) {
        self.database = database
        self.logger = logger
    }

    /// The file.
    package var location: String { database.path }

    /// Runs a write on the serial write queue.
    private func write<T: Sendable>(_ body: @escaping @Sendable (IndexDatabase) throws -> T) async throws -> T {
        let database = self.database
        return try await runBlocking(on: writeQueue) { try body(database) }
    }

    /// Runs a read off the concurrency pool.
    private func read<T: Sendable>(_ body: @escaping @Sendable (IndexDatabase) throws -> T) async throws -> T {
        let database = self.database
        return try await runBlocking { try body(database) }
    }

    // MARK: Writing

    /// See ``IndexDatabase/storeValidated(_:sequences:)``.
    @discardableResult
    package func storeValidated(_ batches: [ValidatedBatch], sequences: [UInt64]?) async throws -> Int {
        try await write { try $0.storeValidated(batches, sequences: sequences) }
    }

    /// See ``IndexDatabase/storeRejections(_:)``.
    package func storeRejections(_ batches: [RejectionBatch]) async throws {
        try await write { try $0.storeRejections(batches) }
    }

    /// See ``IndexDatabase/storeIndexResults(_:sequences:)``.
    package func storeIndexResults(_ results: [IndexResult], sequences: [UInt64]?) async throws {
        try await write { try $0.storeIndexResults(results, sequences: sequences) }
    }

    /// See ``IndexDatabase/storeCompositionEvents(_:)``.
    package func storeCompositionEvents(_ events: [CompositionEvent]) async throws {
        try await write { try $0.storeCompositionEvents(events) }
    }

    /// See ``IndexDatabase/storeHistory(_:)``.
    package func storeHistory(_ command: StoreHistoryCommand) async throws -> Int {
        try await write { try $0.storeHistory(command) }
    }

    /// See ``IndexDatabase/adoptStreamEpochs(_:)``.
    @discardableResult
    package func adoptStreamEpochs(
        _ created: [IndexDatabase.SequencedStream: Int64]
    ) async throws -> [IndexDatabase.SequencedStream] {
        try await write { try $0.adoptStreamEpochs(created) }
    }

    /// See ``IndexDatabase/addDefinition(_:jobID:builtIn:)``.
    package func addDefinition(
        _ definition: IndexDefinition, jobID: String, builtIn: [IndexDefinition]
    ) async throws -> DefineIndexReply {
        try await write { try $0.addDefinition(definition, jobID: jobID, builtIn: builtIn) }
    }

    /// See ``IndexDatabase/removeDefinition(_:builtIn:)``.
    package func removeDefinition(_ id: String, builtIn: [IndexDefinition]) async throws -> RemoveIndexReply.Outcome {
        try await write { try $0.removeDefinition(id, builtIn: builtIn) }
    }

    // MARK: Reading

    /// See ``IndexDatabase/rejections(on:)``.
    package func rejections(on date: SessionDate) async throws -> [Rejection] {
        try await read { try $0.rejections(on: date) }
    }

    /// See ``IndexDatabase/sessionRecords(index:range:)``.
    package func sessionRecords(index: String, range: DateRange) async throws -> [SessionRecord] {
        try await read { try $0.sessionRecords(index: index, range: range) }
    }

    /// See ``IndexDatabase/validRows(on:index:)``.
    package func validRows(
        on date: SessionDate, index: String
    ) async throws -> (record: SessionRecord, rows: [ValidRow])? {
        try await read { database in
            try database.validRows(on: date, index: index).map { StoredRows(record: $0.record, rows: $0.rows) }
        }.map { ($0.record, $0.rows) }
    }

    /// See ``IndexDatabase/closes(range:)``.
    package func closes(range: DateRange) async throws -> [HistoricalClose] {
        try await read { try $0.closes(range: range) }
    }

    /// See ``IndexDatabase/corporateActions(range:ticker:acceptedOnly:)``.
    package func corporateActions(
        range: DateRange, ticker: String?, acceptedOnly: Bool
    ) async throws -> [ValidatedAction] {
        try await read { try $0.corporateActions(range: range, ticker: ticker, acceptedOnly: acceptedOnly) }
    }

    /// See ``IndexDatabase/storedDay(on:index:)``.
    package func storedDay(on date: SessionDate, index: String) async throws -> StoredDay? {
        try await read { try $0.storedDay(on: date, index: index) }
    }

    /// See ``IndexDatabase/stocks()``.
    package func stocks() async throws -> [StockInfo] {
        try await read { try $0.stocks() }
    }

    /// See ``IndexDatabase/sessionRows(range:maxBytes:)``.
    package func sessionRows(range: DateRange, maxBytes: Int) async throws -> EncodedReply<SessionRowsReply> {
        try await read { try $0.sessionRows(range: range, maxBytes: maxBytes) }
    }

    /// See ``IndexDatabase/performance(index:range:)``.
    package func performance(index: String, range: DateRange) async throws -> [PerformancePoint] {
        try await read { try $0.performance(index: index, range: range) }
    }

    /// See ``IndexDatabase/composition(index:on:)``.
    package func composition(index: String, on date: SessionDate) async throws -> CompositionReply {
        try await read { try $0.composition(index: index, on: date) }
    }

    /// See ``IndexDatabase/compositions(index:range:)``.
    package func compositions(index: String, range: DateRange) async throws -> [SessionComposition] {
        try await read { try $0.compositions(index: index, range: range) }
    }

    /// See ``IndexDatabase/changes(index:range:)``.
    package func changes(index: String, range: DateRange) async throws -> [CompositionEvent] {
        try await read { try $0.changes(index: index, range: range) }
    }

    /// See ``IndexDatabase/compositionEvent(index:on:)``.
    package func compositionEvent(index: String, on date: SessionDate) async throws -> CompositionEvent? {
        try await read { try $0.compositionEvent(index: index, on: date) }
    }

    /// See ``IndexDatabase/indexResult(index:on:)``.
    package func indexResult(index: String, on date: SessionDate) async throws -> IndexResult? {
        try await read { try $0.indexResult(index: index, on: date) }
    }

    /// See ``IndexDatabase/definitions(builtIn:id:)``.
    package func definitions(builtIn: [IndexDefinition], id: String?) async throws -> [StoredDefinition] {
        try await read { try $0.definitions(builtIn: builtIn, id: id) }
    }

    /// See ``IndexDatabase/status(index:)``.
    package func status(index: String) async throws -> StatusReply {
        try await read { try $0.status(index: index) }
    }

    // MARK: Operating

    /// An online copy, checked with `PRAGMA integrity_check` before it takes the destination's name.
    package func backup(_ command: BackupCommand) async throws -> BackupReply {
        let logger = self.logger
        return try await read { try DatabaseBackup.run(command, database: $0, logger: logger) }
    }

    /// A file that opened is always there.
    package func isReachable() async -> Bool { true }

    /// The connections close when the last reference to the database goes.
    package func close() async {}
}

/// A stored day's rows with their record, as one `Sendable` value to carry off the blocking queue.
private struct StoredRows: Sendable {
    /// The session record.
    var record: SessionRecord
    /// The valid rows, by ticker.
    var rows: [ValidRow]
}
