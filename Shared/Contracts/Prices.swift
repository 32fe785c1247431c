import TradingCalendar

// The price family: what a provider delivers for a session, and what the validator makes of it.

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
package struct PriceBatch: KindedMessage, Equatable {
    package static let kind = MessageKind.priceBatch
    /// 2: the session's corporate actions travel with its rows.
    package static let version = 2

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
    /// The session's corporate actions in the provider's order (the first chunk carries them all).
    package var actions: [CorporateAction]

    /// A batch.
    package init(
        batchID: String, date: SessionDate, source: String, chunk: ChunkInfo = .whole, replay: ReplayMark? = nil,
        rows: [PriceRow], stocks: [StockInfo] = [], actions: [CorporateAction] = []
    ) {
        self.batchID = batchID
        self.date = date
        self.source = source
        self.chunk = chunk
        self.replay = replay
        self.rows = rows
        self.stocks = stocks
        self.actions = actions
    }
}

/// A flag the validator sets without rejecting the row.
package enum PriceFlag: String, Codable, Sendable, CaseIterable {
    /// |close / adjusted previous valid close - 1| > 50 %, the previous close divided by the split ratios since.
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
package struct ValidatedBatch: KindedMessage, Equatable {
    package static let kind = MessageKind.validatedBatch
    /// 2: the session's corporate actions, accepted and rejected, travel with the valid rows.
    package static let version = 2

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
    /// Every corporate action of the batch with the validator's decision, in the batch's order.
    package var actions: [ValidatedAction]

    /// A validated batch.
    package init(
        batchID: String, date: SessionDate, source: String, replay: ReplayMark?, rows: [ValidRow],
        stocks: [StockInfo], receivedRows: Int, rejectedRows: Int, actions: [ValidatedAction] = []
    ) {
        self.actions = actions
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
package struct RejectionBatch: KindedMessage, Equatable {
    package static let kind = MessageKind.rejectionBatch
    /// 2: the replay mark travels with the rejections, as with the valid rows.
    package static let version = 2

    /// The raw batch they came from.
    package var batchID: String
    /// The session the batch was published for.
    package var date: SessionDate
    /// The provider.
    package var source: String
    /// Set when part of a replay.
    package var replay: ReplayMark?
    /// The rejected rows.
    package var rejections: [Rejection]

    /// A rejection batch.
    package init(
        batchID: String, date: SessionDate, source: String, replay: ReplayMark? = nil, rejections: [Rejection]
    ) {
        self.batchID = batchID
        self.date = date
        self.source = source
        self.replay = replay
        self.rejections = rejections
    }
}
