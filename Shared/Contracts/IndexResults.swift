import TradingCalendar

// The index family: what the index-builder computes per session, and what the change-detector derives.

/// One constituent of the index at a session's close.
package struct Constituent: Codable, Sendable, Equatable {
    /// The ticker.
    package var ticker: String
    /// 1-based rank by market cap (ties by ticker) among the definition's eligible stocks of the session; a member
    /// without an eligible row (carried, between rebalances) is numbered after all of them.
    package var rank: Int
    /// Its weight after the close: the target weight at a rebalance, drifted with prices otherwise.
    package var weight: Double
    /// Market cap at the close (the last known one while its price is carried).
    package var marketCap: Double
    /// Close price (the carried one when it has no valid close at the session).
    package var close: Double
    /// q_i: the date of `close` when the price is carried (no valid close at the session); nil when `close` is the
    /// session's own.
    package var lastCloseDate: SessionDate?

    /// A constituent.
    package init(
        ticker: String, rank: Int, weight: Double, marketCap: Double, close: Double, lastCloseDate: SessionDate? = nil
    ) {
        self.ticker = ticker
        self.rank = rank
        self.weight = weight
        self.marketCap = marketCap
        self.close = close
        self.lastCloseDate = lastCloseDate
    }
}

/// `index.computed.<index>.<date>`: the level, return and composition of one session.
///
/// A result with no constituents is a retraction: the date is no longer an index session (its new batch has no
/// valid row), and storage removes what it had for it.
package struct IndexResult: KindedMessage, Equatable {
    package static let kind = MessageKind.indexResult

    /// The index definition (`ew100`).
    package var index: String
    /// The session.
    package var date: SessionDate
    /// The previous index session, nil at the base.
    package var previousDate: SessionDate?
    /// The level, the definition's `base_level` at the base.
    package var level: Double
    /// R(d); 0 at the base.
    package var dailyReturn: Double
    /// C(d), by rank.
    package var constituents: [Constituent]
    /// C(p)'s tickers by their rank at p (empty at the base).
    package var previousTickers: [String]
    /// C(p) \ C(d), each with its rank and market cap at d where it has a valid row at d.
    package var departures: [CompositionChange]
    /// The price batch of d the result was computed from.
    package var sourceBatchID: String
    /// Set when part of a replay.
    package var replay: ReplayMark?
    /// At a rebalance session that is not the base: `0.5 * sum over all i of |target_i(d) - drift_i(d)|`; nil
    /// otherwise (and in results stored before it was computed).
    package var turnover: Double?

    /// An index result.
    package init(
        index: String, date: SessionDate, previousDate: SessionDate?, level: Double, dailyReturn: Double,
        constituents: [Constituent], previousTickers: [String] = [], departures: [CompositionChange] = [],
        sourceBatchID: String = "", replay: ReplayMark? = nil, turnover: Double? = nil
    ) {
        self.turnover = turnover
        self.index = index
        self.date = date
        self.previousDate = previousDate
        self.level = level
        self.dailyReturn = dailyReturn
        self.constituents = constituents
        self.previousTickers = previousTickers
        self.departures = departures
        self.sourceBatchID = sourceBatchID
        self.replay = replay
    }

    /// Whether this retracts the session (no valid row any more).
    package var isRetraction: Bool { constituents.isEmpty }

    /// Whether this is the base session of the series.
    package var isBase: Bool { previousDate == nil }
}

/// A ticker that entered or left the index, with rank and market cap at the session where known.
package struct CompositionChange: Codable, Sendable, Equatable {
    /// The ticker.
    package var ticker: String
    /// Its rank at the session, where it has a valid row.
    package var rank: Int?
    /// Its market cap at the session, where it has a valid row.
    package var marketCap: Double?

    /// A change entry.
    package init(ticker: String, rank: Int?, marketCap: Double?) {
        self.ticker = ticker
        self.rank = rank
        self.marketCap = marketCap
    }
}

/// `composition.changed.<index>.<date>`: who entered and left at a session (none for the base session).
package struct CompositionEvent: KindedMessage, Equatable {
    package static let kind = MessageKind.compositionEvent

    /// The index definition.
    package var index: String
    /// The session.
    package var date: SessionDate
    /// The previous index session.
    package var previousDate: SessionDate
    /// C(d) \ C(p).
    package var added: [CompositionChange]
    /// C(p) \ C(d).
    package var removed: [CompositionChange]
    /// The session's turnover (see ``IndexResult/turnover``).
    package var turnover: Double?
    /// The stream sequence of the index result the event was derived from (nil: not known), so that storage keeps the
    /// event of the newest result when results of one date are handled out of order.
    package var resultSequence: UInt64?

    /// A composition event.
    package init(
        index: String, date: SessionDate, previousDate: SessionDate, added: [CompositionChange],
        removed: [CompositionChange], turnover: Double? = nil, resultSequence: UInt64? = nil
    ) {
        self.turnover = turnover
        self.resultSequence = resultSequence
        self.index = index
        self.date = date
        self.previousDate = previousDate
        self.added = added
        self.removed = removed
    }
}
