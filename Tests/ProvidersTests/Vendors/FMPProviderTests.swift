import Contracts
import Foundation
import Logging
import Providers
import Resilience
import ResilienceTesting
import TestSupport
import Testing
import TradingCalendar

@Suite("FMP provider against a stub server")
struct FMPProviderTests {
    static let prices = "/stable/historical-price-eod/non-split-adjusted"
    static let caps = "/stable/historical-market-capitalization"
    static let splits = "/stable/splits"
    static let dividends = "/stable/dividends"
    static let profile = "/stable/profile"

    /// A server answering the fixture tickers (AAPL, MSFT, NVDA) by their `symbol` parameter.
    static func fixtureServer(overrides: StubScript? = nil) throws -> StubHTTPServer {
        try StubHTTPServer { request in
            if let overrides, case let reply = overrides.reply(request), !isNotFound(reply) { return reply }
            let symbol = request.query["symbol"] ?? ""
            switch request.path {
            case prices: return .fixture("fmp-prices-\(symbol).json")
            case caps: return .fixture("fmp-marketcap-\(symbol).json")
            case splits: return .fixture("fmp-splits-\(symbol).json")
            case dividends: return .fixture("fmp-dividends-\(symbol).json")
            case profile: return .fixture("fmp-profile-\(symbol).json")
            default: return .json("[]", status: 404)
            }
        }
    }

    static func isNotFound(_ reply: StubHTTPServer.Reply) -> Bool {
        if case .respond(404, _, _) = reply { return true }
        return false
    }

    static func provider(
        _ server: StubHTTPServer, clock: ManualClock = ManualClock(), timeout: Duration = .seconds(5),
        rate: TokenBucket.Limits = .init(capacity: 1000, refillPerSecond: 1000),
        tickers: [String] = ["AAPL", "MSFT"], now: @escaping @Sendable () -> Date = { VendorTestKit.later }
    ) -> FMPProvider {
        let configuration = VendorTestKit.configuration(
            baseURL: server.baseURL.appendingPathComponent("stable"), authentication: .queryParameter(name: "apikey"),
            timeout: timeout, rate: rate)
        return FMPProvider(
            http: VendorTestKit.http("fmp", configuration: configuration, clock: clock, now: now), tickers: tickers,
            windowDays: 365, now: now, logger: Logger(label: "test.fmp"))
    }

    @Test("a well-formed day gives exact as-traded rows, vendor market caps and profiles; the key travels as apikey")
    func wellFormed() async throws {
        let server = try Self.fixtureServer()
        defer { server.stop() }
        let session = try #require(try await Self.provider(server).session(day("2024-03-05")))
        #expect(session.rows.map(\.ticker) == ["AAPL", "MSFT"])
        let aapl = session.rows[0]
        #expect(aapl.date == day("2024-03-05"))
        #expect(aapl.open == 170.76 && aapl.high == 172.04 && aapl.low == 169.62)
        #expect(aapl.close == 170.12 && aapl.volume == 95_132_355)
        #expect(aapl.marketCap == 2_626_974_713_200 && aapl.sharesOutstanding == nil)
        #expect(session.rows[1].close == 402.65 && session.rows[1].marketCap == 2_992_594_300_000)
        #expect(
            session.stocks == [
                StockInfo(ticker: "AAPL", name: "Apple Inc.", sector: "Technology", exchange: "NASDAQ"),
                StockInfo(ticker: "MSFT", name: "Microsoft Corporation", sector: "Technology", exchange: "NASDAQ"),
            ])
        // Neither has a split or a dividend that day (their fixtures have some on other days).
        #expect(session.actions.isEmpty)
        #expect(server.requests.count == 10)
        #expect(server.requests.allSatisfy { $0.query["apikey"] == VendorTestKit.key })
        let history = try #require(server.requests(to: Self.prices).first)
        // 2024-03-05 is day 19787, in block 54 of 365 days: days 19710 ... 20074.
        #expect(history.query["from"] == "2023-12-19" && history.query["to"] == "2024-12-17")
        #expect(server.requests(to: Self.caps).allSatisfy { $0.query["limit"] == "5000" })
        // The actions endpoints take no range: the symbol's history up to their documented maximum.
        for path in [Self.splits, Self.dividends] {
            #expect(server.requests(to: path).map { $0.query["symbol"] } == ["AAPL", "MSFT"])
            #expect(server.requests(to: path).allSatisfy { $0.query["limit"] == "1000" && $0.query["from"] == nil })
        }
    }

    @Test("a day without a vendor market cap carries the shares implied by the day before")
    func impliedShares() async throws {
        let server = try Self.fixtureServer()
        defer { server.stop() }
        let session = try #require(try await Self.provider(server).session(day("2024-03-06")))
        let msft = try #require(session.rows.first { $0.ticker == "MSFT" })
        #expect(msft.close == 402.09 && msft.marketCap == nil)
        #expect(msft.sharesOutstanding == 2_992_594_300_000 / 402.65)
    }

    @Test("later days of a block come from the cache: no request per ticker per day")
    func blockCache() async throws {
        let server = try Self.fixtureServer()
        defer { server.stop() }
        let provider = Self.provider(server)
        _ = try await provider.session(day("2024-03-04"))
        let first = server.requests.count
        let second = try #require(try await provider.session(day("2024-03-06")))
        #expect(second.rows.count == 2)
        #expect(first == 10 && server.requests.count == 10)
    }

    @Test("a weekend or holiday without data is nil; a fresh session without data is not yet available")
    func noData() async throws {
        let server = try Self.fixtureServer()
        defer { server.stop() }
        #expect(try await Self.provider(server).session(day("2024-03-09")) == nil)  // Saturday
        #expect(try await Self.provider(server).session(day("2024-03-29")) == nil)  // Good Friday
        // 2024-03-07 is a session absent from the fixtures; asked on its own evening it may still be published.
        let evening = Date(timeIntervalSince1970: TimeInterval(day("2024-03-07").dayNumber) * 86_400 + 22 * 3600)
        let error = await #expect(throws: VendorError.self) {
            try await Self.provider(server, now: { evening }).session(day("2024-03-07"))
        }
        #expect(error?.kind == .notYetAvailable)
        #expect(try await Self.provider(server).session(day("2024-03-07")) == nil)
    }

    @Test("a session asked before its close is not yet available, and nothing is requested")
    func beforeClose() async throws {
        let server = try Self.fixtureServer()
        defer { server.stop() }
        let afternoon = Date(timeIntervalSince1970: TimeInterval(day("2024-03-05").dayNumber) * 86_400 + 15 * 3600)
        let error = await #expect(throws: VendorError.self) {
            try await Self.provider(server, now: { afternoon }).session(day("2024-03-05"))
        }
        #expect(error?.kind == .notYetAvailable)
        #expect(server.requests.isEmpty)
    }

    @Test("on the evening of a session, a ticker that traded the day before but has no row yet holds the day back")
    func partialDay() async throws {
        let server = try StubHTTPServer { request in
            switch (request.path, request.query["symbol"] ?? "") {
            case (Self.prices, "MSFT"):
                return .json(
                    #"[{"date": "2024-03-05", "adjClose": 402.65}, {"date": "2024-03-04", "adjClose": 414.92}]"#)
            case (Self.prices, let symbol): return .fixture("fmp-prices-\(symbol).json")
            case (Self.caps, let symbol): return .fixture("fmp-marketcap-\(symbol).json")
            case (Self.profile, let symbol): return .fixture("fmp-profile-\(symbol).json")
            default: return .json("[]", status: 404)
            }
        }
        defer { server.stop() }
        let wall = WallClock(
            Date(timeIntervalSince1970: TimeInterval(day("2024-03-06").dayNumber) * 86_400 + 22 * 3600))
        let provider = Self.provider(server, now: { wall.now })
        let error = await #expect(throws: VendorError.self) { try await provider.session(day("2024-03-06")) }
        #expect(error?.kind == .notYetAvailable)
        // Once the day is settled, the vendor's answer stands: MSFT has no row that day.
        wall.set(VendorTestKit.later)
        let session = try #require(try await provider.session(day("2024-03-06")))
        #expect(session.rows.map(\.ticker) == ["AAPL"])
        #expect(server.requests(to: Self.prices).count == 4)
    }

    @Test("a history fetched before a date settled is fetched again for that date")
    func liveEdge() async throws {
        let script = StubScript([
            Self.prices: [.json(#"[{"date": "2024-03-04", "adjClose": 175.1}]"#), .fixture("fmp-prices-AAPL.json")],
            Self.caps: [
                .json(#"[{"date": "2024-03-04", "marketCap": 2703912117200}]"#), .fixture("fmp-marketcap-AAPL.json"),
            ],
        ])
        let server = try Self.fixtureServer(overrides: script)
        defer { server.stop() }
        let wall = WallClock(Date(timeIntervalSince1970: TimeInterval(day("2024-03-05").dayNumber) * 86_400 + 3600))
        let provider = Self.provider(server, tickers: ["AAPL"], now: { wall.now })
        #expect(try await provider.session(day("2024-03-04"))?.rows.count == 1)
        wall.set(VendorTestKit.later)
        let session = try #require(try await provider.session(day("2024-03-05")))
        #expect(session.rows.map(\.close) == [170.12])
        #expect(server.requests(to: Self.prices).count == 2)
    }

    @Test("malformed JSON is a permanent typed error naming vendor and endpoint, without the key")
    func malformed() async throws {
        let server = try Self.fixtureServer(overrides: StubScript([Self.prices: [.json(#"[{"date": "2024-03-05", "#)]]))
        defer { server.stop() }
        let error = await #expect(throws: PermanentVendorError.self) {
            try await Self.provider(server).session(day("2024-03-05"))
        }
        #expect(error?.vendor == "fmp")
        #expect(error?.kind == .malformed(detail: "not valid JSON"))
        #expect(error?.endpoint.hasPrefix("/historical-price-eod/non-split-adjusted?symbol=") == true)
        #expect(error.map { "\($0)".contains(VendorTestKit.key) } == false)
    }

    @Test("a missing required field names the field")
    func missingField() async throws {
        let body = #"[{"date": "2024-03-05", "adjOpen": 1.0}]"#
        let server = try Self.fixtureServer(overrides: StubScript([Self.prices: [.json(body)]]))
        defer { server.stop() }
        let error = await #expect(throws: PermanentVendorError.self) {
            try await Self.provider(server).session(day("2024-03-05"))
        }
        #expect(error?.kind == .missingField(field: "[0].adjClose"))
        #expect(error.map { "\($0)" }?.contains("missing required field '[0].adjClose'") == true)
    }

    @Test("FMP's error object and a 401 echoing the key become rejections with the key cut out")
    func rejectionRedactsKey() async throws {
        let echo = #"{"Error Message": "Invalid API KEY: \#(VendorTestKit.key)"}"#
        let server = try Self.fixtureServer(overrides: StubScript([Self.prices: [.json(echo, status: 401)]]))
        defer { server.stop() }
        let error = await #expect(throws: PermanentVendorError.self) {
            try await Self.provider(server).session(day("2024-03-05"))
        }
        guard case .rejected(401, let message)? = error?.kind else {
            Issue.record("expected a 401 rejection, got \(String(describing: error))")
            return
        }
        #expect(message.contains("<redacted>") && !message.contains(VendorTestKit.key))
        // The same text returned with a 200 (FMP's habit on some plans) is a rejection too, not a parse error.
        let server200 = try Self.fixtureServer(
            overrides: StubScript([Self.prices: [.fixture("fmp-error-message.json")]]))
        defer { server200.stop() }
        let refusal = await #expect(throws: PermanentVendorError.self) {
            try await Self.provider(server200).session(day("2024-03-05"))
        }
        #expect(refusal.map { "\($0)" }?.contains("Invalid API KEY") == true)
    }

    @Test("the token bucket spaces requests: burst 1 at 1/s waits a second before each further request")
    func rateLimit() async throws {
        let server = try Self.fixtureServer()
        defer { server.stop() }
        let clock = ManualClock()
        let provider = Self.provider(
            server, clock: clock, rate: TokenBucket.Limits(capacity: 1, refillPerSecond: 1), tickers: ["AAPL"])
        _ = try await provider.session(day("2024-03-05"))
        #expect(server.requests.count == 5)
        #expect(clock.sleeps == Array(repeating: .seconds(1), count: 4))
    }
}
