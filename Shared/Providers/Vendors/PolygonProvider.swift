import Contracts
import Foundation
import Logging
import Resilience
import TradingCalendar

/// The `polygon` provider: Polygon's grouped daily bars of every US stock of a date as traded (`adjusted=false`), with
/// market cap = close x shares outstanding from ticker details (the close as traded that day, the shares as of that
/// day), and the day's splits (`/v3/reference/splits`, by execution date) and cash dividends
/// (`/v3/reference/dividends`, by ex-dividend date).
///
/// The grouped endpoint covers ~10,000 tickers (ETFs, warrants, preferreds included), and reference data costs one
/// request per ticker, so only the day's `candidates` largest by dollar volume are looked up: the 100 largest
/// companies trade far more dollars a day than the rest, and dollar volume is in the grouped answer already.
/// Of those, common stocks (`CS`) form the session; a ticker Polygon has no details for is kept without a market cap
/// (the validator rejects it, visibly).
///
/// The session's actions are those of every ticker in the day's grouped bars, not only of the candidates, so a member
/// of the index that falls out of the candidates on the day of its split still has its split; actions of tickers
/// without a bar that day (funds, delisted or not traded) are left out.
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
            throw http.error(path, query: Self.groupedQuery, .notYetAvailable)
        }
        let bars = try await grouped(path)
        guard !bars.isEmpty else {
            if NYSECalendar.standard.isSession(date), !SessionSettlement.isSettled(date, at: now()) {
                throw http.error(path, query: Self.groupedQuery, .notYetAvailable)
            }
            return nil
        }
        let traded = Set(bars.map(\.ticker))
        let actions = try await actions(on: date).filter { traded.contains($0.ticker) }
        let chosen = Self.largestByDollarVolume(bars, count: candidates)
        let found = try await BoundedConcurrency.map(chosen, limit: http.configuration.concurrency) { bar in
            try await details(of: bar.ticker, on: date)
        }
        var rows: [PriceRow] = []
        var stocks: [StockInfo] = []
        for (bar, details) in zip(chosen, found) {
            if let type = details?.type, !Self.stockTypes.contains(type) { continue }
            let shares = details?.shareClassSharesOutstanding ?? details?.weightedSharesOutstanding
            // Both as of `date`: the close as traded and the shares outstanding then.
            let marketCap = shares.map { bar.close * $0 }
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
        return ProviderSession(date: date, rows: rows, stocks: stocks, actions: actions)
    }

    /// The grouped bars' query: prices as traded that day, never adjusted for later splits.
    package static let groupedQuery = [("adjusted", "false")]

    /// The grouped bars at `path`, as traded; empty when Polygon has none for the date.
    private func grouped(_ path: String) async throws -> [PolygonWire.Bar] {
        let query = Self.groupedQuery
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

    // MARK: - Corporate actions

    /// The most results a reference page holds (Polygon's documented maximum).
    package static let pageLimit = 1000
    /// The most pages read for one list; a longer chain of `next_url` is an error, not a silent cut.
    package static let maxPages = 50

    /// The splits and then the dividends dated `date`, in Polygon's order.
    ///
    /// A split's value is `split_to / split_from` (shares after per share before), nil when that is not a finite
    /// number, so the validator rejects it as `bad_value`. Dividend types: `CD` (regular) is a `cash_dividend`, `SC`
    /// (special) a `special_dividend`; `LT` and `ST` (long- and short-term capital gain distributions) are taken as
    /// `special_dividend` too, as they are not the recurring dividend and a price-return index should not fall by them;
    /// any other type is passed on as its code, which the validator rejects as `unknown_kind`, visibly.
    private func actions(on date: SessionDate) async throws -> [CorporateAction] {
        var actions: [CorporateAction] = []
        let splitsPath = "/v3/reference/splits"
        let splitsQuery = [("execution_date", "\(date)"), ("limit", "\(Self.pageLimit)")]
        for (page, query) in try await pages(PolygonWire.SplitsPage.self, splitsPath, splitsQuery, next: \.nextURL) {
            for (index, split) in (page.results ?? []).enumerated() {
                let field = "results[\(index)]"
                try check(
                    split.ticker, split.executionDate, date, field: field, dateField: "execution_date",
                    path: splitsPath, query)
                let ratio = split.splitTo / split.splitFrom
                let value = ratio.isFinite ? ratio : nil
                actions.append(CorporateAction(date: date, ticker: split.ticker, kind: .split, value: value))
            }
        }
        let dividendsPath = "/v3/reference/dividends"
        let dividendsQuery = [("ex_dividend_date", "\(date)"), ("limit", "\(Self.pageLimit)")]
        for (page, query) in try await pages(
            PolygonWire.DividendsPage.self, dividendsPath, dividendsQuery, next: \.nextURL)
        {
            for (index, dividend) in (page.results ?? []).enumerated() {
                try check(
                    dividend.ticker, dividend.exDividendDate, date, field: "results[\(index)]",
                    dateField: "ex_dividend_date", path: dividendsPath, query)
                actions.append(
                    CorporateAction(
                        date: date, ticker: dividend.ticker, kind: Self.kind(ofDividendType: dividend.dividendType),
                        value: dividend.cashAmount))
            }
        }
        return actions
    }

    /// The action kind of a Polygon `dividend_type`; an unknown type as it is.
    package static func kind(ofDividendType type: String) -> String {
        switch type {
        case "CD": CorporateActionKind.cashDividend.rawValue
        case "SC", "LT", "ST": CorporateActionKind.specialDividend.rawValue
        default: type
        }
    }

    /// Checks a listed action's ticker and date against the date asked.
    private func check(
        _ ticker: String, _ text: String, _ date: SessionDate, field: String, dateField: String, path: String,
        _ query: [(String, String)]
    ) throws(VendorError) {
        guard !ticker.isEmpty else {
            throw http.error(path, query: query, .invalidField(field: "\(field).ticker", detail: "empty ticker"))
        }
        guard SessionDate(text) == date else {
            throw http.error(
                path, query: query,
                .invalidField(field: "\(field).\(dateField)", detail: "'\(text)' is not the date asked, \(date)"))
        }
    }

    /// Every page of a paginated list, each with the query it was asked with: the first at `path` with `query`, the
    /// next ones at the path and query of the previous page's `next_url`, relative to the configured base URL (so
    /// the key never goes to a host named in an answer).
    private func pages<Page: Decodable>(
        _ type: Page.Type, _ path: String, _ query: [(String, String)], next: (Page) -> String?
    ) async throws -> [(Page, [(String, String)])] {
        var pages: [(Page, [(String, String)])] = []
        var request = (path: path, query: query)
        while true {
            let data = try await http.get(request.path, query: request.query)
            let page = try http.decode(Page.self, from: data, endpoint: request.path, query: request.query)
            pages.append((page, request.query))
            guard let nextURL = next(page), !nextURL.isEmpty else { return pages }
            guard pages.count < Self.maxPages else {
                throw http.error(
                    path, query: query, .malformed(detail: "more than \(Self.maxPages) pages of \(Self.pageLimit)"))
            }
            guard let components = URLComponents(string: nextURL), !components.path.isEmpty else {
                throw http.error(
                    request.path, query: request.query,
                    .invalidField(field: "next_url", detail: "'\(http.redact(nextURL))' is not a URL with a path"))
            }
            let items = (components.queryItems ?? []).filter { $0.name.lowercased() != "apikey" }
            request = (components.path, items.map { ($0.name, $0.value ?? "") })
        }
    }
}
