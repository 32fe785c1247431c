import Contracts
import Foundation
import Logging
import Resilience
import TradingCalendar

/// The `polygon` provider: Polygon's grouped daily bars of every US stock of a date, with market cap = close x shares
/// outstanding from ticker details (the close as traded that day, the shares as of that day).
///
/// The grouped endpoint covers ~10,000 tickers (ETFs, warrants, preferreds included), and reference data costs one
/// request per ticker, so only the day's `candidates` largest by dollar volume are looked up: the 100 largest
/// companies trade far more dollars a day than the rest, and dollar volume is in the grouped answer already.
/// Of those, common stocks (`CS`) form the session; a ticker Polygon has no details for is kept without a market cap
/// (the validator rejects it, visibly). A ticker missing from the as-traded bars gets no market cap either.
package struct PolygonProvider: PriceProvider {
    /// `polygon`.
    package var name: String { "polygon" }
    /// The documented root.
    package static let defaultBaseURL = "https://api.polygon.io"
    /// Asset types that are stocks of the index.
    package static let stockTypes: Set<String> = ["CS"]

    /// The vendor's HTTP access (rate limit, breaker, one attempt per request).
    package let http: VendorHTTP
    /// How many of a day's tickers, by dollar volume, get reference data.
    package let candidates: Int
    private let details: PolygonDetailsCache
    private let now: @Sendable () -> Date
    private let logger: Logger

    /// A provider over `http`; details live `detailsTTL` on `clock`, `now` is the wall clock.
    package init(
        http: VendorHTTP, candidates: Int = 500, detailsTTL: Duration = .seconds(86_400),
        clock: any ResilienceClock = SystemResilienceClock(), now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger
    ) {
        precondition(candidates >= 1, "candidates must be at least 1")
        self.http = http
        self.candidates = candidates
        details = PolygonDetailsCache(ttl: detailsTTL, clock: clock)
        self.now = now
        self.logger = logger
    }

    /// The candidates' rows of `date` with their metadata; nil when Polygon has no bars for the date and the date
    /// is settled or not a session.
    ///
    /// - Throws: `PermanentVendorError` for what no retry can fix (a 4xx but 408 and 429, a malformed answer);
    ///   `VendorError` for what may pass (`notYetAvailable` before the close or for a recent session whose bars are
    ///   missing, a 429, a 5xx, a timeout), `CircuitBreakerError`: the request is redelivered later; nothing partial
    ///   is returned.
    package func session(_ date: SessionDate) async throws -> ProviderSession? {
        try await http.markingPermanent { try await fetch(date) }
    }

    private func fetch(_ date: SessionDate) async throws -> ProviderSession? {
        let path = "/v2/aggs/grouped/locale/us/market/stocks/\(date)"
        if NYSECalendar.standard.isSession(date), !SessionSettlement.hasClosed(date, at: now()) {
            throw http.error(path, query: [("adjusted", "true")], .notYetAvailable)
        }
        let bars = try await grouped(path, adjusted: true)
        guard !bars.isEmpty else {
            if NYSECalendar.standard.isSession(date), !SessionSettlement.isSettled(date, at: now()) {
                throw http.error(path, query: [("adjusted", "true")], .notYetAvailable)
            }
            return nil
        }
        // Prices are split-adjusted, so a back-fill's returns do not jump at later splits; the market cap needs the
        // price actually traded that day, as the shares outstanding are those of that day.
        var tradedClose: [String: Double] = [:]
        for bar in try await grouped(path, adjusted: false) { tradedClose[bar.ticker] = bar.close }
        let chosen = Self.largestByDollarVolume(bars, count: candidates)
        let found = try await BoundedConcurrency.map(chosen, limit: http.configuration.concurrency) { bar in
            try await details(of: bar.ticker, on: date)
        }
        var rows: [PriceRow] = []
        var stocks: [StockInfo] = []
        for (bar, details) in zip(chosen, found) {
            if let type = details?.type, !Self.stockTypes.contains(type) { continue }
            let shares = details?.shareClassSharesOutstanding ?? details?.weightedSharesOutstanding
            var marketCap: Double?
            if let shares, let traded = tradedClose[bar.ticker] { marketCap = traded * shares }
            rows.append(
                PriceRow(
                    date: date, ticker: bar.ticker, open: bar.open, high: bar.high, low: bar.low, close: bar.close,
                    volume: bar.volume, marketCap: marketCap))
            if let details {
                stocks.append(
                    StockInfo(
                        ticker: bar.ticker, name: details.name ?? bar.ticker, sector: details.sicDescription ?? "",
                        exchange: Self.exchangeName(details.primaryExchange)))
            }
        }
        return ProviderSession(date: date, rows: rows, stocks: stocks)
    }

    /// The grouped bars at `path`, split-adjusted or as traded; empty when Polygon has none for the date.
    private func grouped(_ path: String, adjusted: Bool) async throws -> [PolygonWire.Bar] {
        let query = [("adjusted", adjusted ? "true" : "false")]
        let data = try await http.get(path, query: query)
        let grouped = try http.decode(PolygonWire.Grouped.self, from: data, endpoint: path, query: query)
        guard let bars = grouped.results, !bars.isEmpty else {
            if let count = grouped.resultsCount, count > 0 {
                throw http.error(path, query: query, .missingField(field: "results"))
            }
            return []
        }
        for (index, bar) in bars.enumerated() where bar.ticker.isEmpty {
            throw http.error(path, query: query, .invalidField(field: "results[\(index)].T", detail: "empty ticker"))
        }
        return bars
    }

    /// The `count` bars with the largest dollar volume (VWAP, else close, times volume), ties by ticker.
    package static func largestByDollarVolume(_ bars: [PolygonWire.Bar], count: Int) -> [PolygonWire.Bar] {
        func dollars(_ bar: PolygonWire.Bar) -> Double {
            let value = (bar.vwap ?? bar.close) * (bar.volume ?? 0)
            return value.isFinite ? value : 0
        }
        let ranked = bars.sorted { lhs, rhs in
            let (left, right) = (dollars(lhs), dollars(rhs))
            return left != right ? left > right : lhs.ticker < rhs.ticker
        }
        return Array(ranked.prefix(count))
    }

    /// The common name of a primary exchange's MIC; unknown codes are kept as they are.
    package static func exchangeName(_ mic: String?) -> String {
        switch mic {
        case "XNAS": "NASDAQ"
        case "XNYS": "NYSE"
        case "XASE": "NYSE American"
        case "ARCX": "NYSE Arca"
        case "BATS": "Cboe BZX"
        case let other?: other
        case nil: ""
        }
    }

    // MARK: - Reference data

    private func details(of ticker: String, on date: SessionDate) async throws -> PolygonWire.Details? {
        let key = PolygonDetailsCache.Key(ticker: ticker, date: date)
        if let cached = await details.lookup(key) { return cached }
        let path = "/v3/reference/tickers/\(ticker)"
        // Point in time: the shares outstanding as of the date asked, not today's, so a back-fill is not rewritten
        // with current share counts.
        let query = [("date", "\(date)")]
        let found: PolygonWire.Details?
        do {
            let data = try await http.get(path, query: query)
            found = try http.decode(PolygonWire.DetailsResponse.self, from: data, endpoint: path, query: query).results
        } catch let error as VendorError where error.kind == .notFound {
            logger.warning(
                "no reference data; row kept without market cap",
                metadata: ["provider.name": "polygon", "provider.ticker": "\(ticker)", "provider.date": "\(date)"])
            found = nil
        }
        await details.store(found, for: key)
        return found
    }
}
