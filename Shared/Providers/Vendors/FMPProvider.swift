import Contracts
import Foundation
import Logging
import Resilience
import TradingCalendar

/// The `fmp` provider: Financial Modeling Prep's end-of-day prices as traded (not adjusted for later splits),
/// historical market capitalisation, stock splits and dividends per ticker of a candidate universe, with company
/// profiles for name, sector and exchange. A session carries the splits and dividends of the universe dated that day
/// (their ex-date); see ``FMPHistory/join(ticker:bars:caps:splits:dividends:fetchedAt:)`` for how they are read.
///
/// FMP answers one ticker per request, so histories are fetched per block of `windowDays` calendar days and cached:
/// a back-fill costs four requests per ticker per block, not per day. A block fetched before a date was settled is
/// fetched again when that date is asked for, so the daily run sees the day's data.
package struct FMPProvider: PriceProvider {
    /// `fmp`.
    package var name: String { "fmp" }
    /// The documented root of the stable API.
    package static let defaultBaseURL = "https://financialmodelingprep.com/stable"
    /// Daily bars as traded: FMP's "unadjusted" chart (`historical-price-eod/full` is split-adjusted).
    package static let pricesPath = "/historical-price-eod/non-split-adjusted"
    /// Daily market capitalisation.
    package static let capsPath = "/historical-market-capitalization"
    /// A symbol's stock splits.
    package static let splitsPath = "/splits"
    /// A symbol's dividends.
    package static let dividendsPath = "/dividends"
    /// The most records `splits` and `dividends` return per request (their documented maximum).
    package static let actionsLimit = 1000

    /// The vendor's HTTP access (rate limit, breaker, one attempt per request).
    package let http: VendorHTTP
    /// The candidate tickers, in the order rows are given.
    package let tickers: [String]
    /// Calendar days per fetched block.
    package let windowDays: Int
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let store = FMPStore()

    /// A provider over `http` for `tickers`; `now` is the wall clock that decides which fetched days are final.
    package init(
        http: VendorHTTP, tickers: [String], windowDays: Int = 365, now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger
    ) {
        precondition(windowDays >= 1, "windowDays must be at least 1")
        self.http = http
        self.tickers = tickers
        self.windowDays = windowDays
        self.now = now
        self.logger = logger
    }

    /// The universe's rows of `date` with their profiles; nil when FMP has no row of `date` for any ticker and the
    /// date is settled or not a session.
    ///
    /// - Throws: `PermanentVendorError` for what no retry can fix (a 4xx but 408 and 429, a malformed answer);
    ///   `VendorError` for what may pass (`notYetAvailable` before the close or for a recent session whose data are
    ///   missing, a 429, a 5xx, a timeout), `CircuitBreakerError`: the request is redelivered later; nothing partial
    ///   is returned.
    package func session(_ date: SessionDate) async throws -> ProviderSession? {
        try await http.markingPermanent { try await fetch(date) }
    }

    private func fetch(_ date: SessionDate) async throws -> ProviderSession? {
        let calendar = NYSECalendar.standard
        let asked = now()
        if calendar.isSession(date), !SessionSettlement.hasClosed(date, at: asked) {
            throw http.error(Self.pricesPath, query: [("date", "\(date)")], .notYetAvailable)
        }
        let block = FMPBlock(containing: date, length: windowDays)
        let missing = await store.missing(tickers, block: block, for: date)
        if !missing.isEmpty {
            logger.debug(
                "fetching histories",
                metadata: [
                    "provider.name": "fmp", "provider.from": "\(block.first)", "provider.to": "\(block.last)",
                    "provider.tickers": "\(missing.count)",
                ])
            // Each history is stored as soon as it arrives, so a redelivery after a failure fetches only what is
            // missing.
            _ = try await BoundedConcurrency.map(missing, limit: http.configuration.concurrency) { ticker in
                let history = try await history(of: ticker, block: block)
                await store.store(history, ticker: ticker, block: block)
            }
        }
        let rows = await store.rows(on: date, tickers: tickers, block: block)
        let actions = await store.actions(on: date, tickers: tickers, block: block)
        let settled = SessionSettlement.isSettled(date, at: asked)
        guard !rows.isEmpty else {
            if calendar.isSession(date), !settled {
                throw http.error(Self.pricesPath, query: [("date", "\(date)")], .notYetAvailable)
            }
            // As the CSV provider does: a day with actions but no rows is delivered, so no action is lost.
            return actions.isEmpty ? nil : ProviderSession(date: date, rows: [], stocks: [], actions: actions)
        }
        // FMP publishes a day ticker by ticker: until the day is settled, a ticker that traded the session before
        // but has no row yet means the day is still arriving, and a short session must not be published.
        if !settled, let previous = calendar.previousSession(before: date), block.first <= previous {
            let present = Set(rows.map(\.ticker))
            let absent = await store.rows(on: previous, tickers: tickers, block: block).filter {
                !present.contains($0.ticker)
            }
            if !absent.isEmpty {
                throw http.error(
                    Self.pricesPath, query: [("date", "\(date)"), ("absent", "\(absent.count)")],
                    .notYetAvailable)
            }
        }
        let stocks = try await profiles(of: rows.map(\.ticker))
        return ProviderSession(date: date, rows: rows, stocks: stocks, actions: actions)
    }

    // MARK: - Requests

    private func history(of ticker: String, block: FMPBlock) async throws -> FMPHistory {
        let fetchedAt = now()
        let range = [("symbol", ticker), ("from", "\(block.first)"), ("to", "\(block.last)")]
        let bars = try await list(FMPWire.PriceBar.self, Self.pricesPath, query: range)
        // The endpoint's default limit (100) is shorter than a block; 5000 is its documented maximum.
        let caps = try await list(FMPWire.MarketCap.self, Self.capsPath, query: range + [("limit", "5000")])
        // `splits` and `dividends` take no date range: a symbol's whole history, newest first, up to the limit.
        let actionsQuery = [("symbol", ticker), ("limit", "\(Self.actionsLimit)")]
        let splits = try await list(FMPWire.Split.self, Self.splitsPath, query: actionsQuery)
        let dividends = try await list(FMPWire.Dividend.self, Self.dividendsPath, query: actionsQuery)
        let datedBars = try inBlock(bars.map(\.date), bars, block: block, path: Self.pricesPath, range)
        var capsByDate: [SessionDate: Double] = [:]
        for (index, cap) in caps.enumerated() {
            let date = try parseDate(cap.date, field: "[\(index)].date", path: Self.capsPath, range)
            capsByDate[date] = cap.marketCap
        }
        let datedSplits = try inBlock(
            splits.map(\.date), splits, block: block, path: Self.splitsPath, actionsQuery, limited: true)
        let datedDividends = try inBlock(
            dividends.map(\.date), dividends, block: block, path: Self.dividendsPath, actionsQuery, limited: true)
        return FMPHistory.join(
            ticker: ticker, bars: datedBars, caps: capsByDate, splits: datedSplits, dividends: datedDividends,
            fetchedAt: fetchedAt)
    }

    /// The elements of `items` dated (by `dates`, one per element) inside `block`, in their order.
    ///
    /// - Throws: `VendorError.invalidField` for a date that does not parse; with `limited`, `VendorError.malformed`
    ///   when the answer holds the most records a request returns and none of them is dated before the block, as the
    ///   block's oldest records may then have been cut off.
    private func inBlock<T>(
        _ dates: [String], _ items: [T], block: FMPBlock, path: String, _ query: [(String, String)],
        limited: Bool = false
    ) throws(VendorError) -> [(SessionDate, T)] {
        var dated: [(SessionDate, T)] = []
        var earliest: SessionDate?
        for (index, (text, item)) in zip(dates, items).enumerated() {
            let date = try parseDate(text, field: "[\(index)].date", path: path, query)
            earliest = min(earliest ?? date, date)
            if date >= block.first && date <= block.last { dated.append((date, item)) }
        }
        if limited, items.count >= Self.actionsLimit, let earliest, earliest >= block.first {
            throw http.error(
                path, query: query,
                .malformed(
                    detail: "\(items.count) records, the most one request returns, none before \(block.first): "
                        + "older actions of \(block.first)...\(block.last) may be cut off"))
        }
        return dated
    }

    private func profiles(of tickers: [String]) async throws -> [StockInfo] {
        let missing = await store.missingProfiles(tickers)
        _ = try await BoundedConcurrency.map(missing, limit: http.configuration.concurrency) { ticker in
            let profiles = try await list(FMPWire.Profile.self, "/profile", query: [("symbol", ticker)])
            let info = profiles.first(where: { $0.symbol.uppercased() == ticker }).map { profile in
                StockInfo(
                    ticker: ticker, name: profile.companyName ?? ticker, sector: profile.sector ?? "",
                    exchange: profile.exchange ?? "")
            }
            await store.storeProfile(info, ticker: ticker)
        }
        return await store.profiles(tickers)
    }

    /// A JSON array from `path`; a 404 reads as an empty list (FMP's answer for an unknown symbol), FMP's
    /// `{"Error Message": ...}` as a rejection.
    private func list<T: Decodable & Sendable>(_ type: T.Type, _ path: String, query: [(String, String)])
        async throws -> [T]
    {
        let data: Data
        do {
            data = try await http.get(path, query: query)
        } catch let error as VendorError where error.kind == .notFound {
            return []
        }
        if let refusal = try? WireCoding.standardDecoder.decode(FMPWire.ErrorMessage.self, from: data) {
            throw http.error(path, query: query, .rejected(status: 200, message: http.redact(refusal.message)))
        }
        return try http.decode([T].self, from: data, endpoint: path, query: query)
    }

    private func parseDate(_ text: String, field: String, path: String, _ query: [(String, String)])
        throws(VendorError) -> SessionDate
    {
        guard let date = SessionDate(text.prefix(10)) else {
            throw http.error(
                path, query: query, .invalidField(field: field, detail: "'\(text)' is not a YYYY-MM-DD date"))
        }
        return date
    }
}
