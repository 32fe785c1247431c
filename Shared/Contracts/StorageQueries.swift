import Foundation
import TradingCalendar

// The storage family: requests storage answers over request/reply (queries read, commands act), with their replies.

/// What storage is asked, one case per request; a query's schema is `<kind>-query`, a command's `<kind>-command`,
/// the reply's `<kind>-reply`.
package enum StorageRequestKind: String, Sendable, CaseIterable, Codable {
    /// Index levels and returns over a range.
    case performance
    /// The constituents on (or before) a date.
    case composition
    /// The compositions of every session of a range.
    case compositions
    /// Sessions with composition changes over a range.
    case changes
    /// The stored sessions over a range, with their row counts.
    case sessions
    /// One session's stored valid rows.
    case sessionPrices = "session-prices"
    /// Stored valid closes over a range.
    case priceHistory = "price-history"
    /// One stored index result.
    case indexResult = "index-result"
    /// The last stored session per stage.
    case status
    /// One stored session as a raw batch again, to re-publish it on replay.
    case storedBatch = "stored-batch"
    /// An online backup of the database to a file (a command).
    case backup
    /// The stored corporate actions over a range, accepted and rejected.
    case corporateActions = "corporate-actions"
    /// The index definitions, built-in and added, with their stored sessions.
    case definitions
    /// The stored metadata of every stock.
    case stocks
    /// Adds an index definition (a command).
    case defineIndex = "define-index"
    /// Removes an added index definition and its results (a command).
    case removeIndex = "remove-index"
    /// Many sessions' valid rows, only what the index calculation reads (a definition's history).
    case sessionRows = "session-rows"
    /// Replaces a range of an index's stored series with computed results (a command).
    case storeHistory = "store-history"

    /// Whether the request changes something (a command) rather than only reading (a query).
    package var isCommand: Bool {
        self == .backup || self == .defineIndex || self == .removeIndex || self == .storeHistory
    }
}

/// A request storage answers, with its reply type.
package protocol StorageRequest: WireMessage {
    /// What storage answers with.
    associatedtype Reply: StorageReply
    /// The request's kind.
    static var kind: StorageRequestKind { get }
}

/// A request that only reads.
package protocol StorageQuery: StorageRequest {}

/// A request with a side effect (a backup), named as a command.
package protocol StorageCommand: StorageRequest {}

/// Storage's answer to one kind of request.
package protocol StorageReply: WireMessage {
    /// The kind of request this answers.
    static var answers: StorageRequestKind { get }
}

/// A reply already in its encoding: storage writes some answers straight into their bytes, from what it keeps
/// encoded, and sends them as they are; the asker decodes them as any other reply.
package struct EncodedReply<Reply: StorageReply>: Sendable {
    /// The reply's encoding (``WireMessage/encoded()``'s bytes for the same reply).
    package var data: Data

    /// The encoding `data`.
    package init(data: Data) { self.data = data }

    /// The encoding of `reply`.
    package init(_ reply: Reply) throws { data = try reply.encoded() }

    /// The reply.
    package func decoded() throws -> Reply { try Reply.decoded(from: data, schemaTag: Reply.schemaTag) }
}

extension StorageQuery {
    /// `<kind>-query`.
    package static var schema: String { "\(kind.rawValue)-query" }
}

extension StorageCommand {
    /// `<kind>-command`.
    package static var schema: String { "\(kind.rawValue)-command" }
}

extension StorageReply {
    /// `<kind>-reply`.
    package static var schema: String { "\(answers.rawValue)-reply" }
}

/// One stored index session.
package struct PerformancePoint: Codable, Sendable, Equatable {
    /// The session.
    package var date: SessionDate
    /// Its level.
    package var level: Double
    /// Its return R(d).
    package var dailyReturn: Double
    /// The turnover of a rebalance session that is not the base (`0.5 * sum |target - drift|`); nil otherwise.
    package var turnover: Double?

    /// A point.
    package init(date: SessionDate, level: Double, dailyReturn: Double, turnover: Double? = nil) {
        self.date = date
        self.level = level
        self.dailyReturn = dailyReturn
        self.turnover = turnover
    }
}

/// Levels and returns of an index over a range.
package struct PerformanceQuery: StorageQuery, Equatable {
    package typealias Reply = PerformanceReply
    package static let kind = StorageRequestKind.performance

    /// The index.
    package var index: String
    /// The range.
    package var range: DateRange

    /// A query.
    package init(index: String, range: DateRange) {
        self.index = index
        self.range = range
    }
}

/// The stored sessions of a range, in date order.
package struct PerformanceReply: StorageReply, Equatable {
    package static let answers = StorageRequestKind.performance

    /// The points.
    package var points: [PerformancePoint]

    /// A reply.
    package init(points: [PerformancePoint]) { self.points = points }
}

/// A constituent with its stock metadata, as the API shows it.
package struct ConstituentDetail: Codable, Sendable, Equatable {
    /// The constituent.
    package var constituent: Constituent
    /// Company name, where known.
    package var name: String?
    /// Sector, where known.
    package var sector: String?

    /// A detail row.
    package init(constituent: Constituent, name: String?, sector: String?) {
        self.constituent = constituent
        self.name = name
        self.sector = sector
    }
}

/// The composition on the latest session on or before a date.
package struct CompositionQuery: StorageQuery, Equatable {
    package typealias Reply = CompositionReply
    package static let kind = StorageRequestKind.composition

    /// The index.
    package var index: String
    /// The date asked for.
    package var date: SessionDate

    /// A query.
    package init(index: String, date: SessionDate) {
        self.index = index
        self.date = date
    }
}

/// A composition; `asOf` is nil when nothing is stored on or before the date.
package struct CompositionReply: StorageReply, Equatable {
    package static let answers = StorageRequestKind.composition

    /// The session the composition belongs to.
    package var asOf: SessionDate?
    /// The constituents by rank.
    package var constituents: [ConstituentDetail]

    /// A reply.
    package init(asOf: SessionDate?, constituents: [ConstituentDetail]) {
        self.asOf = asOf
        self.constituents = constituents
    }
}

/// Composition changes over a range.
package struct ChangesQuery: StorageQuery, Equatable {
    package typealias Reply = ChangesReply
    package static let kind = StorageRequestKind.changes

    /// The index.
    package var index: String
    /// The range.
    package var range: DateRange

    /// A query.
    package init(index: String, range: DateRange) {
        self.index = index
        self.range = range
    }
}

/// The sessions of a range with a change, in date order.
package struct ChangesReply: StorageReply, Equatable {
    package static let answers = StorageRequestKind.changes

    /// The events.
    package var changes: [CompositionEvent]

    /// A reply.
    package init(changes: [CompositionEvent]) { self.changes = changes }
}

/// The last session stored by each stage, for operators.
package struct StatusQuery: StorageQuery, Equatable {
    package typealias Reply = StatusReply
    package static let kind = StorageRequestKind.status

    /// The index.
    package var index: String

    /// A query.
    package init(index: String) { self.index = index }
}

/// Last sessions per stage and row counts.
package struct StatusReply: StorageReply, Equatable {
    package static let answers = StorageRequestKind.status

    /// The last session with stored prices.
    package var lastPriceSession: SessionDate?
    /// The last session with a stored index result.
    package var lastIndexSession: SessionDate?
    /// The first session with a stored index result (the base).
    package var firstIndexSession: SessionDate?
    /// Stored price rows.
    package var priceRows: Int
    /// Stored rejections.
    package var rejectedRows: Int
    /// Stored index sessions.
    package var indexSessions: Int

    /// A reply.
    package init(
        lastPriceSession: SessionDate?, lastIndexSession: SessionDate?, firstIndexSession: SessionDate?,
        priceRows: Int, rejectedRows: Int, indexSessions: Int
    ) {
        self.lastPriceSession = lastPriceSession
        self.lastIndexSession = lastIndexSession
        self.firstIndexSession = firstIndexSession
        self.priceRows = priceRows
        self.rejectedRows = rejectedRows
        self.indexSessions = indexSessions
    }
}

/// What storage holds for one session: its current price batch and whether the index is built from it.
package struct SessionRecord: Codable, Sendable, Equatable {
    /// The session (or non-session date a batch was published for).
    package var date: SessionDate
    /// The price batch currently stored for the date.
    package var batchID: String
    /// The provider.
    package var source: String
    /// Rows the raw batch had.
    package var receivedRows: Int
    /// Valid rows stored.
    package var validRows: Int
    /// Rows rejected.
    package var rejectedRows: Int
    /// The batch the stored index result was computed from; nil when none is stored.
    package var indexBatchID: String?
    /// The `PRICES_VALID` stream sequence of the stored batch: a later message for the date replaces it, an earlier
    /// one (a late redelivery) does not.
    package var sequence: UInt64

    /// A session record.
    package init(
        date: SessionDate, batchID: String, source: String, receivedRows: Int, validRows: Int, rejectedRows: Int,
        indexBatchID: String?, sequence: UInt64 = 0
    ) {
        self.sequence = sequence
        self.date = date
        self.batchID = batchID
        self.source = source
        self.receivedRows = receivedRows
        self.validRows = validRows
        self.rejectedRows = rejectedRows
        self.indexBatchID = indexBatchID
    }

    /// Whether the index result is computed from the stored batch (or the date needs none: no valid row).
    package var isComplete: Bool { validRows == 0 || indexBatchID == batchID }
}

/// The session records of a range.
package struct SessionsQuery: StorageQuery, Equatable {
    package typealias Reply = SessionsReply
    package static let kind = StorageRequestKind.sessions

    /// The index whose results are reported.
    package var index: String
    /// The range.
    package var range: DateRange

    /// A query.
    package init(index: String, range: DateRange) {
        self.index = index
        self.range = range
    }
}

/// Session records in date order.
package struct SessionsReply: StorageReply, Equatable {
    package static let answers = StorageRequestKind.sessions

    /// The records.
    package var sessions: [SessionRecord]

    /// A reply.
    package init(sessions: [SessionRecord]) { self.sessions = sessions }
}

/// The stored valid rows of one session.
package struct SessionPricesQuery: StorageQuery, Equatable {
    package typealias Reply = SessionPricesReply
    package static let kind = StorageRequestKind.sessionPrices

    /// The session.
    package var date: SessionDate

    /// A query.
    package init(date: SessionDate) { self.date = date }
}

/// A session's stored rows (nil record when nothing is stored for the date).
package struct SessionPricesReply: StorageReply, Equatable {
    package static let answers = StorageRequestKind.sessionPrices

    /// The session's record.
    package var record: SessionRecord?
    /// Its valid rows.
    package var rows: [ValidRow]

    /// A reply.
    package init(record: SessionRecord?, rows: [ValidRow]) {
        self.record = record
        self.rows = rows
    }
}

/// Valid closes of a date range, for the validator's flags after a restart.
package struct PriceHistoryQuery: StorageQuery, Equatable {
    package typealias Reply = PriceHistoryReply
    package static let kind = StorageRequestKind.priceHistory

    /// The range.
    package var range: DateRange

    /// A query.
    package init(range: DateRange) { self.range = range }
}

/// One stored valid close.
package struct HistoricalClose: Codable, Sendable, Equatable {
    /// The session.
    package var date: SessionDate
    /// The ticker.
    package var ticker: String
    /// The close.
    package var close: Double

    /// A close.
    package init(date: SessionDate, ticker: String, close: Double) {
        self.date = date
        self.ticker = ticker
        self.close = close
    }
}

/// Closes in date order, and the accepted splits dated in the range (the adjusted `price_jump` divides by them).
package struct PriceHistoryReply: StorageReply, Equatable {
    package static let answers = StorageRequestKind.priceHistory

    /// The closes.
    package var closes: [HistoricalClose]
    /// The accepted splits dated in the range, in date order.
    package var splits: [AcceptedAction]

    /// A reply.
    package init(closes: [HistoricalClose], splits: [AcceptedAction] = []) {
        self.closes = closes
        self.splits = splits
    }
}

/// A stored index result by date.
package struct IndexResultQuery: StorageQuery, Equatable {
    package typealias Reply = IndexResultReply
    package static let kind = StorageRequestKind.indexResult

    /// The index.
    package var index: String
    /// The session.
    package var date: SessionDate

    /// A query.
    package init(index: String, date: SessionDate) {
        self.index = index
        self.date = date
    }
}

/// A stored index result, or nil.
package struct IndexResultReply: StorageReply, Equatable {
    package static let answers = StorageRequestKind.indexResult

    /// The result.
    package var result: IndexResult?

    /// A reply.
    package init(result: IndexResult?) { self.result = result }
}

/// The compositions of every stored session of a range, for exports: one request per range, however long.
package struct CompositionsQuery: StorageQuery, Equatable {
    package typealias Reply = CompositionsReply
    package static let kind = StorageRequestKind.compositions

    /// The index.
    package var index: String
    /// The range.
    package var range: DateRange

    /// A query.
    package init(index: String, range: DateRange) {
        self.index = index
        self.range = range
    }
}

/// One session's composition.
package struct SessionComposition: Codable, Sendable, Equatable {
    /// The session.
    package var date: SessionDate
    /// Its constituents by rank, with their metadata.
    package var constituents: [ConstituentDetail]

    /// A session's composition.
    package init(date: SessionDate, constituents: [ConstituentDetail]) {
        self.date = date
        self.constituents = constituents
    }
}

/// The compositions of a range's stored sessions, in date order.
package struct CompositionsReply: StorageReply, Equatable {
    package static let answers = StorageRequestKind.compositions
    /// 2: a carried member's ``Constituent/lastCloseDate`` travels with the session.
    package static let version = 2

    /// The sessions' compositions.
    package var sessions: [SessionComposition]

    /// A reply.
    package init(sessions: [SessionComposition]) { self.sessions = sessions }
}

/// One stored session rebuilt as the raw batch it was validated from, so a replay can re-publish it on the raw
/// prices without asking the provider again.
///
/// Storage answers with the stored batch id and source, the rows in an order that validates to exactly the stored
/// outcome (rejected rows at their stored positions), and the stored metadata of its stocks. A date with no stored
/// batch is answered with an error.
package struct StoredBatchQuery: StorageQuery, Equatable {
    package typealias Reply = StoredBatchReply
    package static let kind = StorageRequestKind.storedBatch

    /// The session.
    package var date: SessionDate

    /// A query for `date`'s stored batch.
    package init(date: SessionDate) {
        self.date = date
    }
}

/// A stored session as its raw batch (one chunk: the whole session).
package struct StoredBatchReply: StorageReply, Equatable {
    package static let answers = StorageRequestKind.storedBatch

    /// The batch.
    package var batch: PriceBatch

    /// A reply.
    package init(batch: PriceBatch) { self.batch = batch }

    /// The batch's compact encoding.
    package func encoded() throws -> Data { try batch.encoded() }

    /// Decodes the batch's compact encoding.
    package static func decoded(from data: Data, schemaTag: String?) throws -> StoredBatchReply {
        try checkSchema(tag: schemaTag)
        return StoredBatchReply(batch: try PriceBatch.decoded(from: data, schemaTag: nil))
    }
}

/// The stored corporate actions dated in a range (of every session's current batch), in date, ticker and batch order.
package struct CorporateActionsQuery: StorageQuery, Equatable {
    package typealias Reply = CorporateActionsReply
    package static let kind = StorageRequestKind.corporateActions

    /// The range of the actions' own dates.
    package var range: DateRange
    /// Only this ticker's; nil for every ticker.
    package var ticker: String?
    /// Only the accepted ones (what the methodology reads).
    package var acceptedOnly: Bool

    /// A query.
    package init(range: DateRange, ticker: String? = nil, acceptedOnly: Bool = false) {
        self.range = range
        self.ticker = ticker
        self.acceptedOnly = acceptedOnly
    }
}

/// Stored actions with their decisions.
package struct CorporateActionsReply: StorageReply, Equatable {
    package static let answers = StorageRequestKind.corporateActions

    /// The actions.
    package var actions: [ValidatedAction]

    /// A reply.
    package init(actions: [ValidatedAction]) { self.actions = actions }
}

/// A definition as storage keeps it: the definition, whether it is built in, the job that built its history, and
/// its stored index sessions.
package struct StoredDefinition: Codable, Sendable, Equatable {
    /// The definition.
    package var definition: IndexDefinition
    /// Whether it is one of ``IndexDefinition/builtIn(size:)`` (never stored, never removed).
    package var builtIn: Bool
    /// The job that builds the history of an added definition; nil for the built-in ones.
    package var jobID: String?
    /// When it was added (UTC); nil for the built-in ones.
    package var createdAt: Date?
    /// Its first stored index session; nil before any.
    package var firstSession: SessionDate?
    /// Its last stored index session; nil before any.
    package var lastSession: SessionDate?
    /// How many index sessions are stored.
    package var sessions: Int

    /// A stored definition.
    package init(
        definition: IndexDefinition, builtIn: Bool, jobID: String? = nil, createdAt: Date? = nil,
        firstSession: SessionDate? = nil, lastSession: SessionDate? = nil, sessions: Int = 0
    ) {
        self.definition = definition
        self.builtIn = builtIn
        self.jobID = jobID
        self.createdAt = createdAt
        self.firstSession = firstSession
        self.lastSession = lastSession
        self.sessions = sessions
    }
}

/// Every index definition (built-in first, then the added ones by id), or only the one with `id`.
package struct DefinitionsQuery: StorageQuery, Equatable {
    package typealias Reply = DefinitionsReply
    package static let kind = StorageRequestKind.definitions

    /// Only this definition; nil for all.
    package var id: String?

    /// A query.
    package init(id: String? = nil) { self.id = id }
}

/// The definitions asked for.
package struct DefinitionsReply: StorageReply, Equatable {
    package static let answers = StorageRequestKind.definitions

    /// The definitions, built-in first, then by id.
    package var definitions: [StoredDefinition]

    /// A reply.
    package init(definitions: [StoredDefinition]) { self.definitions = definitions }
}

/// The stored metadata of every stock (storage keeps the latest description of each ticker).
package struct StocksQuery: StorageQuery, Equatable {
    package typealias Reply = StocksReply
    package static let kind = StorageRequestKind.stocks

    /// A query.
    package init() {}
}

/// Every stored stock, by ticker.
package struct StocksReply: StorageReply, Equatable {
    package static let answers = StorageRequestKind.stocks

    /// The stocks, by ticker.
    package var stocks: [StockInfo]

    /// A reply.
    package init(stocks: [StockInfo]) { self.stocks = stocks }
}
