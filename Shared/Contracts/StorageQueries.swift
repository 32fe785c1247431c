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

/// The last stored index session before a date, for the index-builder to resume from.
package struct BuilderStateQuery: StorageQuery, Equatable {
    package typealias Reply = BuilderStateReply
    package static let kind = StorageQueryKind.builderState
    package static let schema = "builder-state-query"
    package static let version = 1

    /// The index.
    package var index: String
    /// The session being built; the state is the last one strictly before it.
    package var before: SessionDate

    /// A query.
    package init(index: String, before: SessionDate) {
        self.index = index
        self.before = before
    }
}

/// The previous index session's result, or nil when the session being built is the first.
package struct BuilderStateReply: WireMessage, Equatable {
    package static let schema = "builder-state-reply"
    package static let version = 1

    /// The previous session's stored result.
    package var previous: IndexResult?

    /// A reply.
    package init(previous: IndexResult?) { self.previous = previous }
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

    /// A reply.
    package init(service: String, ready: Bool, uptimeSeconds: Double) {
        self.service = service
        self.ready = ready
        self.uptimeSeconds = uptimeSeconds
    }
}
