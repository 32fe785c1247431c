import TradingCalendar

/// One row a provider delivers for a session; any numeric field may be missing or not finite (the validator decides).
package struct PriceRow: Codable, Sendable, Equatable {
    /// The session date the provider gave.
    package var date: SessionDate
    /// The ticker symbol.
    package var ticker: String
    /// Open price.
    package var open: Double?
    /// High price.
    package var high: Double?
    /// Low price.
    package var low: Double?
    /// Close price.
    package var close: Double?
    /// Shares traded.
    package var volume: Double?
    /// Market capitalisation in dollars, as given.
    package var marketCap: Double?
    /// Shares outstanding, when the provider gives those instead of the market cap.
    package var sharesOutstanding: Double?

    /// A row.
    package init(
        date: SessionDate, ticker: String, open: Double? = nil, high: Double? = nil, low: Double? = nil,
        close: Double?, volume: Double? = nil, marketCap: Double?, sharesOutstanding: Double? = nil
    ) {
        self.date = date
        self.ticker = ticker
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
        self.marketCap = marketCap
        self.sharesOutstanding = sharesOutstanding
    }
}

/// What a provider says about a stock.
package struct StockInfo: Codable, Sendable, Equatable, Hashable {
    /// The ticker symbol.
    package var ticker: String
    /// The company name.
    package var name: String
    /// The sector.
    package var sector: String
    /// The listing exchange.
    package var exchange: String

    /// Stock metadata.
    package init(ticker: String, name: String, sector: String, exchange: String) {
        self.ticker = ticker
        self.name = name
        self.sector = sector
        self.exchange = exchange
    }
}

/// Marks a replayed message: which replay run, so de-duplication does not swallow a deliberate replay.
package struct ReplayMark: Codable, Sendable, Equatable {
    /// The replay run's id.
    package var replayID: String
    /// Whether the data was fetched again rather than re-published from storage.
    package var refetched: Bool

    /// A replay mark.
    package init(replayID: String, refetched: Bool) {
        self.replayID = replayID
        self.refetched = refetched
    }
}

/// Where a message sits in a session that was split into chunks to fit the NATS payload limit.
package struct ChunkInfo: Codable, Sendable, Equatable {
    /// 0-based chunk number.
    package var index: Int
    /// How many chunks the session has.
    package var count: Int

    /// Chunk `index` of `count`.
    package init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// A session in one message.
    package static let whole = ChunkInfo(index: 0, count: 1)
}

/// `prices.raw.<date>`: one session's rows from a provider.
package struct PriceBatch: WireMessage, Equatable {
    package static let schema = "price-batch"
    package static let version = 1

    /// A content hash of the whole session (equal for every chunk): identifies the delivery.
    package var batchID: String
    /// The session.
    package var date: SessionDate
    /// The provider (`sim`, `csv`, `fmp`, ...).
    package var source: String
    /// This chunk of the session.
    package var chunk: ChunkInfo
    /// Set when the batch is part of a replay.
    package var replay: ReplayMark?
    /// The rows, in the provider's order (the validator's `duplicate` rule depends on it).
    package var rows: [PriceRow]
    /// Metadata of the stocks in the rows, where the provider has it.
    package var stocks: [StockInfo]

    /// A batch.
    package init(
        batchID: String, date: SessionDate, source: String, chunk: ChunkInfo = .whole, replay: ReplayMark? = nil,
        rows: [PriceRow], stocks: [StockInfo] = []
    ) {
        self.batchID = batchID
        self.date = date
        self.source = source
        self.chunk = chunk
        self.replay = replay
        self.rows = rows
        self.stocks = stocks
    }
}

/// A flag the validator sets without rejecting the row.
package enum PriceFlag: String, Codable, Sendable, CaseIterable {
    /// |close / previous valid close - 1| > 50 %.
    case priceJump = "price_jump"
    /// Close equal to the previous five valid closes.
    case stale
}

/// Why the validator rejected a row, in the order the rules apply.
package enum RejectionReason: String, Codable, Sendable, CaseIterable {
    /// An earlier row of the same batch has the same (date, ticker).
    case duplicate
    /// The date is not an NYSE session.
    case notASession = "not_a_session"
    /// Close missing, not finite, or <= 0.
    case badClose = "bad_close"
    /// Market cap (given or derived) missing, not finite, or <= 0.
    case badMarketCap = "bad_market_cap"
    /// High and low present and high < low.
    case highBelowLow = "high_below_low"
    /// Open or close outside [low, high].
    case priceOutsideRange = "price_outside_range"
    /// Volume present and < 0.
    case negativeVolume = "negative_volume"
}

/// A row that passed validation, with its market cap resolved and its flags.
package struct ValidRow: Codable, Sendable, Equatable {
    /// The ticker.
    package var ticker: String
    /// Open.
    package var open: Double?
    /// High.
    package var high: Double?
    /// Low.
    package var low: Double?
    /// Close (finite, > 0).
    package var close: Double
    /// Volume.
    package var volume: Double?
    /// Market cap (finite, > 0; given or derived from shares outstanding).
    package var marketCap: Double
    /// Non-rejecting flags.
    package var flags: [PriceFlag]

    /// A valid row.
    package init(
        ticker: String, open: Double?, high: Double?, low: Double?, close: Double, volume: Double?,
        marketCap: Double, flags: [PriceFlag] = []
    ) {
        self.ticker = ticker
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
        self.marketCap = marketCap
        self.flags = flags
    }
}

/// `prices.valid.<date>`: one session's valid rows.
package struct ValidatedBatch: WireMessage, Equatable {
    package static let schema = "validated-batch"
    package static let version = 1

    /// The raw batch this came from.
    package var batchID: String
    /// The session.
    package var date: SessionDate
    /// The provider.
    package var source: String
    /// Set when part of a replay.
    package var replay: ReplayMark?
    /// The valid rows.
    package var rows: [ValidRow]
    /// Stock metadata.
    package var stocks: [StockInfo]
    /// How many rows the raw batch had.
    package var receivedRows: Int
    /// How many were rejected.
    package var rejectedRows: Int

    /// A validated batch.
    package init(
        batchID: String, date: SessionDate, source: String, replay: ReplayMark?, rows: [ValidRow],
        stocks: [StockInfo], receivedRows: Int, rejectedRows: Int
    ) {
        self.batchID = batchID
        self.date = date
        self.source = source
        self.replay = replay
        self.rows = rows
        self.stocks = stocks
        self.receivedRows = receivedRows
        self.rejectedRows = rejectedRows
    }
}

/// A rejected row and its one reason.
package struct Rejection: Codable, Sendable, Equatable {
    /// The row as received.
    package var row: PriceRow
    /// The first rule it broke.
    package var reason: RejectionReason
    /// Its 0-based position in the batch.
    package var position: Int

    /// A rejection.
    package init(row: PriceRow, reason: RejectionReason, position: Int) {
        self.row = row
        self.reason = reason
        self.position = position
    }
}

/// `prices.rejected.<date>`: one batch's rejections, to be stored with their reasons.
package struct RejectionBatch: WireMessage, Equatable {
    package static let schema = "rejection-batch"
    package static let version = 1

    /// The raw batch they came from.
    package var batchID: String
    /// The session the batch was published for.
    package var date: SessionDate
    /// The provider.
    package var source: String
    /// The rejected rows.
    package var rejections: [Rejection]

    /// A rejection batch.
    package init(batchID: String, date: SessionDate, source: String, rejections: [Rejection]) {
        self.batchID = batchID
        self.date = date
        self.source = source
        self.rejections = rejections
    }
}

/// One constituent of the index at a session's close.
package struct Constituent: Codable, Sendable, Equatable {
    /// The ticker.
    package var ticker: String
    /// 1-based rank by market cap (ties by ticker).
    package var rank: Int
    /// Its weight, 1 / |C(d)|.
    package var weight: Double
    /// Market cap at the close.
    package var marketCap: Double
    /// Close price.
    package var close: Double

    /// A constituent.
    package init(ticker: String, rank: Int, weight: Double, marketCap: Double, close: Double) {
        self.ticker = ticker
        self.rank = rank
        self.weight = weight
        self.marketCap = marketCap
        self.close = close
    }
}

/// `index.computed.<index>.<date>`: the level, return and composition of one session.
///
/// A result with no constituents is a retraction: the date is no longer an index session (its new batch has no
/// valid row), and storage removes what it had for it.
package struct IndexResult: WireMessage, Equatable {
    package static let schema = "index-result"
    package static let version = 1

    /// The index definition (`ew100`).
    package var index: String
    /// The session.
    package var date: SessionDate
    /// The previous index session, nil at the base.
    package var previousDate: SessionDate?
    /// The level, 1000 at the base.
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

    /// An index result.
    package init(
        index: String, date: SessionDate, previousDate: SessionDate?, level: Double, dailyReturn: Double,
        constituents: [Constituent], previousTickers: [String] = [], departures: [CompositionChange] = [],
        sourceBatchID: String = "", replay: ReplayMark? = nil
    ) {
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
package struct CompositionEvent: WireMessage, Equatable {
    package static let schema = "composition-event"
    package static let version = 1

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

    /// A composition event.
    package init(
        index: String, date: SessionDate, previousDate: SessionDate, added: [CompositionChange],
        removed: [CompositionChange]
    ) {
        self.index = index
        self.date = date
        self.previousDate = previousDate
        self.added = added
        self.removed = removed
    }
}

/// `replay.requested.<id>`: fetch and compute a range again.
package struct ReplayRequest: WireMessage, Equatable {
    package static let schema = "replay-request"
    package static let version = 1

    /// The run's id; also in every message the replay produces.
    package var replayID: String
    /// First date of the range.
    package var from: SessionDate
    /// Last date of the range.
    package var to: SessionDate
    /// The provider to fetch from; nil for the fetcher's configured one.
    package var provider: String?
    /// Fetch sessions again even when stored.
    package var refetch: Bool
    /// The index definition.
    package var index: String

    /// A replay request.
    package init(
        replayID: String, from: SessionDate, to: SessionDate, provider: String? = nil, refetch: Bool = false,
        index: String = Subjects.defaultIndex
    ) {
        self.replayID = replayID
        self.from = from
        self.to = to
        self.provider = provider
        self.refetch = refetch
        self.index = index
    }

    private enum CodingKeys: String, CodingKey {
        case replayID, from, to, provider, refetch, index
    }

    /// Decodes a request; `refetch` (added after the first requests were written) defaults to false and `index` to
    /// the default index, so requests published by older tools still decode.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        replayID = try container.decode(String.self, forKey: .replayID)
        from = try container.decode(SessionDate.self, forKey: .from)
        to = try container.decode(SessionDate.self, forKey: .to)
        provider = try container.decodeIfPresent(String.self, forKey: .provider)
        refetch = try container.decodeIfPresent(Bool.self, forKey: .refetch) ?? false
        index = try container.decodeIfPresent(String.self, forKey: .index) ?? Subjects.defaultIndex
    }
}
