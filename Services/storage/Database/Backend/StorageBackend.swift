import Contracts
import TradingCalendar

/// What storage keeps and answers, in the words of the domain; one implementation per database engine.
///
/// ``SQLiteBackend`` (the embedded default, one file in `DATA_DIR`) and the PostgreSQL backend (`DATABASE_URL`) hold
/// the same schema, write the same way and answer the same, bit for bit. Every write runs in one transaction and is
/// idempotent, so a message redelivered after a crash between commit and ack changes nothing; a write that throws
/// committed nothing, and its messages must not be acknowledged. No method blocks the concurrency pool.
package protocol StorageBackend: Sendable {
    /// Where the data lives, for logs: a file path, or a URL without its password.
    var location: String { get }

    // MARK: Writing

    /// Stores validated batches in one transaction; returns how many changed a day (the rest changed nothing).
    ///
    /// A batch whose id is already the date's stored batch is a redelivery and changes nothing (but raises the
    /// stored sequence to its own). So does a batch whose message is older in the stream than the stored one's.
    /// Any other replaces the day as a whole. Stock metadata is upserted, unless a later session described it.
    /// - Parameter sequences: the `PRICES_VALID` stream sequence of each batch's message, in the same order; nil,
    ///   or a sequence of 0, for "unknown": such a batch replaces whatever is stored for its date.
    @discardableResult
    func storeValidated(_ batches: [ValidatedBatch], sequences: [UInt64]?) async throws -> Int
    /// Stores rejection batches in one transaction, upserting each rejection by (batch, position).
    func storeRejections(_ batches: [RejectionBatch]) async throws
    /// Stores index results in one transaction: a result replaces its index and date's, a retraction deletes it,
    /// a base result (no previous date) also deletes its date's composition event.
    /// - Parameter sequences: the `INDEX` stream sequence of each result's message, in the same order: a result
    ///   older than the one stored for its index and date (`index_result_sequences`) is left out; nil: always kept.
    func storeIndexResults(_ results: [IndexResult], sequences: [UInt64]?) async throws
    /// Stores composition events in one transaction, each replacing what its index and date had, unless it was
    /// derived from an older index result (``CompositionEvent/resultSequence``) than the stored event's.
    func storeCompositionEvents(_ events: [CompositionEvent]) async throws
    /// Replaces `command.range` of `command.index`'s stored series with its results and events, in one transaction;
    /// the number of results stored (0, and nothing changed, when the index is not defined). Idempotent.
    func storeHistory(_ command: StoreHistoryCommand) async throws -> Int
    /// Records each stream's creation time; for a stream that is not the one the stored sequences came from, forgets
    /// them first. The streams whose sequences were forgotten (of those that had any).
    @discardableResult
    func adoptStreamEpochs(_ created: [IndexDatabase.SequencedStream: Int64]) async throws
        -> [IndexDatabase.SequencedStream]
    /// Stores an added definition with the job that builds it; an id in use changes nothing.
    func addDefinition(
        _ definition: IndexDefinition, jobID: String, builtIn: [IndexDefinition]
    ) async throws -> DefineIndexReply
    /// Removes an added definition and everything stored of it, in one transaction.
    func removeDefinition(_ id: String, builtIn: [IndexDefinition]) async throws -> RemoveIndexReply.Outcome

    // MARK: Reading prices and actions

    /// The rejections of the date's current batch, by position (of the last batch received before its record).
    func rejections(on date: SessionDate) async throws -> [Rejection]
    /// The session records of a range in date order, each with the batch `index`'s result was computed from.
    func sessionRecords(index: String, range: DateRange) async throws -> [SessionRecord]
    /// The stored valid rows of a date (by ticker) with its session record; nil when no batch is stored for it.
    func validRows(on date: SessionDate, index: String) async throws -> (record: SessionRecord, rows: [ValidRow])?
    /// The stored valid closes of a range, by date then ticker.
    func closes(range: DateRange) async throws -> [HistoricalClose]
    /// The stored actions dated in `range`, by date, ticker and batch order; only `ticker`'s when given.
    func corporateActions(range: DateRange, ticker: String?, acceptedOnly: Bool) async throws -> [ValidatedAction]
    /// The current batch of `date` as stored, in one snapshot; nil when no batch is stored for the date.
    func storedDay(on date: SessionDate, index: String) async throws -> StoredDay?
    /// The stored metadata of every stock, by ticker.
    func stocks() async throws -> [StockInfo]
    /// A page of the stored sessions of `range` from its first one, with their valid rows (ticker, close, market
    /// cap), encoding within `maxBytes` (at least one session), in one snapshot; already encoded, as storage sends
    /// it.
    func sessionRows(range: DateRange, maxBytes: Int) async throws -> EncodedReply<SessionRowsReply>

    // MARK: Reading index results

    /// The stored sessions of `index` in a range, in date order.
    func performance(index: String, range: DateRange) async throws -> [PerformancePoint]
    /// The composition of the latest stored session on or before `date`, by rank, with names and sectors.
    func composition(index: String, on date: SessionDate) async throws -> CompositionReply
    /// The composition of every stored session of a range, in date order, constituents by rank.
    func compositions(index: String, range: DateRange) async throws -> [SessionComposition]
    /// The sessions of a range at which `index`'s composition changed, in date order.
    func changes(index: String, range: DateRange) async throws -> [CompositionEvent]
    /// The composition event stored for a session, with or without changes; nil when none is stored.
    func compositionEvent(index: String, on date: SessionDate) async throws -> CompositionEvent?
    /// The stored result of `index` on `date`, exactly as it was stored; nil when none is.
    func indexResult(index: String, on date: SessionDate) async throws -> IndexResult?
    /// The definitions: `builtIn` first, then the stored ones by id; only `id`'s when given.
    func definitions(builtIn: [IndexDefinition], id: String?) async throws -> [StoredDefinition]
    /// Last and first sessions stored and row counts, for operators.
    func status(index: String) async throws -> StatusReply

    // MARK: Operating

    /// Takes a checked copy of the database (``BackupCommand``); an engine that has its own tools refuses.
    func backup(_ command: BackupCommand) async throws -> BackupReply
    /// Whether the database answers now (storage's `/ready`); never waits long.
    func isReachable() async -> Bool
    /// Releases connections; the backend is not used after.
    func close() async
}

extension StorageBackend {
    /// Stores validated batches whose stream sequences are unknown.
    @discardableResult
    package func storeValidated(_ batches: [ValidatedBatch]) async throws -> Int {
        try await storeValidated(batches, sequences: nil)
    }

    /// Stores index results whose stream sequences are unknown.
    package func storeIndexResults(_ results: [IndexResult]) async throws {
        try await storeIndexResults(results, sequences: nil)
    }

    /// The stored valid rows of a date with its session record, `indexBatchID` from the default index.
    package func validRows(on date: SessionDate) async throws -> (record: SessionRecord, rows: [ValidRow])? {
        try await validRows(on: date, index: Indexes.defaultID)
    }

    /// Every stored action dated in `range`.
    package func corporateActions(range: DateRange) async throws -> [ValidatedAction] {
        try await corporateActions(range: range, ticker: nil, acceptedOnly: false)
    }

    /// The stored actions of `ticker` dated in `range`.
    package func corporateActions(range: DateRange, ticker: String) async throws -> [ValidatedAction] {
        try await corporateActions(range: range, ticker: ticker, acceptedOnly: false)
    }

    /// The stored actions dated in `range`, only the accepted ones when `acceptedOnly`.
    package func corporateActions(range: DateRange, acceptedOnly: Bool) async throws -> [ValidatedAction] {
        try await corporateActions(range: range, ticker: nil, acceptedOnly: acceptedOnly)
    }

    /// The accepted splits dated in `range`, in date order (the validator's adjusted `price_jump` reads them).
    package func acceptedSplits(range: DateRange) async throws -> [AcceptedAction] {
        try await corporateActions(range: range, ticker: nil, acceptedOnly: true).compactMap(AcceptedAction.init)
            .filter { $0.kind == .split }
    }

    /// The current batch of `date` as stored, `indexBatchID` from the default index.
    package func storedDay(on date: SessionDate) async throws -> StoredDay? {
        try await storedDay(on: date, index: Indexes.defaultID)
    }

    /// Every definition, built-in and stored.
    package func definitions(builtIn: [IndexDefinition]) async throws -> [StoredDefinition] {
        try await definitions(builtIn: builtIn, id: nil)
    }
}
