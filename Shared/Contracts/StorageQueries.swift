import TradingCalendar

/// A request answered by storage on `storage.query.<kind>`, with its reply type.
package protocol StorageQuery: WireMessage {
    /// What storage answers with.
    associatedtype Reply: WireMessage
    /// The query's kind (and so its subject).
    static var kind: StorageQueryKind { get }
}

/// A date range, both ends included.
package struct DateRange: Codable, Sendable, Equatable {
    /// The first date.
    package var start: SessionDate
    /// The last date.
    package var end: SessionDate

    /// A range.
    package init(start: SessionDate, end: SessionDate) {
        self.start = start
        self.end = end
    }

    /// Every date the trading calendar covers.
    package static var coverage: DateRange {
        DateRange(start: NYSECalendar.coverage.lowerBound, end: NYSECalendar.coverage.upperBound)
    }
}

/// One stored index session.
package struct PerformancePoint: Codable, Sendable, Equatable {
    /// The session.
    package var date: SessionDate
    /// Its level.
    package var level: Double
    /// Its return R(d).
    package var dailyReturn: Double

    /// A point.
    package init(date: SessionDate, level: Double, dailyReturn: Double) {
        self.date = date
        self.level = level
        self.dailyReturn = dailyReturn
    }
}

/// Levels and returns of an index over a range.
package struct PerformanceQuery: StorageQuery, Equatable {
    package typealias Reply = PerformanceReply
    package static let kind = StorageQueryKind.performance
    package static let schema = "performance-query"
    package static let version = 1

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
package struct PerformanceReply: WireMessage, Equatable {
    package static let schema = "performance-reply"
    package static let version = 1

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
    package static let kind = StorageQueryKind.composition
    package static let schema = "composition-query"
    package static let version = 1

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
package struct CompositionReply: WireMessage, Equatable {
    package static let schema = "composition-reply"
    package static let version = 1

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
    package static let kind = StorageQueryKind.changes
    package static let schema = "changes-query"
    package static let version = 1

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
package struct ChangesReply: WireMessage, Equatable {
    package static let schema = "changes-reply"
    package static let version = 1

    /// The events.
    package var changes: [CompositionEvent]

    /// A reply.
    package init(changes: [CompositionEvent]) { self.changes = changes }
}

/// The last session stored by each stage, for operators.
package struct StatusQuery: StorageQuery, Equatable {
    package typealias Reply = StatusReply
    package static let kind = StorageQueryKind.status
    package static let schema = "status-query"
    package static let version = 1

    /// The index.
    package var index: String

    /// A query.
    package init(index: String) { self.index = index }
}

/// Last sessions per stage and row counts.
package struct StatusReply: WireMessage, Equatable {
    package static let schema = "status-reply"
    package static let version = 1

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
    package static let kind = StorageQueryKind.sessions
    package static let schema = "sessions-query"
    package static let version = 1

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
package struct SessionsReply: WireMessage, Equatable {
    package static let schema = "sessions-reply"
    package static let version = 1

    /// The records.
    package var sessions: [SessionRecord]

    /// A reply.
    package init(sessions: [SessionRecord]) { self.sessions = sessions }
}

/// The stored valid rows of one session.
package struct SessionPricesQuery: StorageQuery, Equatable {
    package typealias Reply = SessionPricesReply
    package static let kind = StorageQueryKind.sessionPrices
    package static let schema = "session-prices-query"
    package static let version = 1

    /// The session.
    package var date: SessionDate

    /// A query.
    package init(date: SessionDate) { self.date = date }
}

/// A session's stored rows (nil record when nothing is stored for the date).
package struct SessionPricesReply: WireMessage, Equatable {
    package static let schema = "session-prices-reply"
    package static let version = 1

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
    package static let kind = StorageQueryKind.priceHistory
    package static let schema = "price-history-query"
    package static let version = 1

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

/// Closes in date order.
package struct PriceHistoryReply: WireMessage, Equatable {
    package static let schema = "price-history-reply"
    package static let version = 1

    /// The closes.
    package var closes: [HistoricalClose]

    /// A reply.
    package init(closes: [HistoricalClose]) { self.closes = closes }
}

/// A stored index result by date.
package struct IndexResultQuery: StorageQuery, Equatable {
    package typealias Reply = IndexResultReply
    package static let kind = StorageQueryKind.indexResult
    package static let schema = "index-result-query"
    package static let version = 1

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
package struct IndexResultReply: WireMessage, Equatable {
    package static let schema = "index-result-reply"
    package static let version = 1

    /// The result.
    package var result: IndexResult?

    /// A reply.
    package init(result: IndexResult?) { self.result = result }
}

/// A liveness answer on `health.ping.<service>`.
package struct HealthReply: WireMessage, Equatable {
    package static let schema = "health-reply"
    package static let version = 1

    /// The service.
    package var service: String
    /// Whether it is ready (its dependencies are reachable).
    package var ready: Bool
    /// Seconds since it started.
    package var uptimeSeconds: Double
    /// The circuit breakers of the process, by name (empty from services that predate the field).
    package var breakers: [BreakerStatus]

    /// A reply.
    package init(service: String, ready: Bool, uptimeSeconds: Double, breakers: [BreakerStatus] = []) {
        self.service = service
        self.ready = ready
        self.uptimeSeconds = uptimeSeconds
        self.breakers = breakers
    }

    private enum CodingKeys: String, CodingKey {
        case service, ready, uptimeSeconds, breakers
    }

    /// Decodes a reply; `breakers` may be missing (an older service).
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        service = try container.decode(String.self, forKey: .service)
        ready = try container.decode(Bool.self, forKey: .ready)
        uptimeSeconds = try container.decode(Double.self, forKey: .uptimeSeconds)
        breakers = try container.decodeIfPresent([BreakerStatus].self, forKey: .breakers) ?? []
    }
}

/// An online backup of storage's database to a file on storage's host, taken while the pipeline runs.
package struct BackupQuery: StorageQuery, Equatable {
    package typealias Reply = BackupReply
    package static let kind = StorageQueryKind.backup
    package static let schema = "backup-query"
    package static let version = 1

    /// The absolute path of the copy (replaced when it exists); storage writes it, so the path is on its host.
    package var destination: String
    /// The index whose stored sessions the reply counts.
    package var index: String

    /// A query.
    package init(destination: String, index: String) {
        self.destination = destination
        self.index = index
    }
}

/// A finished backup: where it is, its size, and what the copy itself says of its integrity and contents.
package struct BackupReply: WireMessage, Equatable {
    package static let schema = "backup-reply"
    package static let version = 1

    /// The copy's path.
    package var destination: String
    /// Its size in bytes.
    package var bytes: Int
    /// `PRAGMA integrity_check` of the copy: `ok` (storage fails the request otherwise).
    package var integrity: String
    /// The copy's stored status: index sessions, first and last.
    package var status: StatusReply

    /// A reply.
    package init(destination: String, bytes: Int, integrity: String, status: StatusReply) {
        self.destination = destination
        self.bytes = bytes
        self.integrity = integrity
        self.status = status
    }
}
