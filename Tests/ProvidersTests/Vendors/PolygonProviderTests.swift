import Contracts
import Foundation
import Logging
import Providers
import Resilience
import ResilienceTesting
import TestSupport
import Testing
import TradingCalendar

@Suite("Polygon provider against a stub server")
struct PolygonProviderTests {
    static let grouped = "/v2/aggs/grouped/locale/us/market/stocks/2024-03-05"
    static let splits = "/v3/reference/splits"
    static let dividends = "/v3/reference/dividends"
    static func details(_ ticker: String) -> String { "/v3/reference/tickers/\(ticker)" }
    /// A reference list without results, as Polygon answers a day without splits or dividends.
    static let noActions = StubHTTPServer.Reply.json(#"{"results": [], "status": "OK", "request_id": "0"}"#)

    /// The fixture day: seven bars, no splits or dividends, details for AAPL, MSFT, BRK.B and SPY, none for NVDA (404).
    static func script() -> StubScript {
        StubScript([
            grouped: [.fixture("polygon-grouped-2024-03-05.json")],
            splits: [noActions],
            dividends: [noActions],
            details("AAPL"): [.fixture("polygon-details-AAPL.json")],
            details("MSFT"): [.fixture("polygon-details-MSFT.json")],
            details("BRK.B"): [.fixture("polygon-details-BRK.B.json")],
            details("SPY"): [.fixture("polygon-details-SPY.json")],
        ])
    }

    static func provider(
        _ server: StubHTTPServer, clock: ManualClock = ManualClock(), candidates: Int = 5,
        timeout: Duration = .seconds(5), breaker: CircuitBreaker.Configuration = .init(), ttl: Duration = .seconds(3600)
    ) -> PolygonProvider {
        let configuration = VendorTestKit.configuration(
            baseURL: server.baseURL, authentication: .bearer, timeout: timeout,
            breaker: breaker)
        return PolygonProvider(
            http: VendorTestKit.http("polygon", configuration: configuration, clock: clock), candidates: candidates,
            detailsTTL: ttl, clock: clock, now: { VendorTestKit.later }, logger: Logger(label: "test.polygon"))
    }

    @Test("as-traded grouped bars of the day's largest by dollar volume, market cap = close x shares; a bearer key")
    func wellFormed() async throws {
        let script = Self.script()
        let server = try StubHTTPServer(handler: script.reply)
        defer { server.stop() }
        let session = try #require(try await Self.provider(server).session(day("2024-03-05")))
        // Dollar volume: NVDA, SPY, AAPL, MSFT, BRK.B are the top five; SPY is an ETF; NVDA has no details.
        #expect(session.rows.map(\.ticker) == ["NVDA", "AAPL", "MSFT", "BRK.B"])
        let nvda = session.rows[0]
        #expect(nvda.close == 859.64 && nvda.marketCap == nil && nvda.sharesOutstanding == nil)
        let aapl = session.rows[1]
        #expect(aapl.open == 170.76 && aapl.high == 172.04 && aapl.low == 169.62 && aapl.volume == 95_132_355)
        #expect(aapl.close == 170.12 && aapl.sharesOutstanding == nil)
        #expect(aapl.marketCap == 170.12 * 15_441_880_000)
        // MSFT's details have no share-class count: the weighted count stands in.
        #expect(session.rows[2].marketCap == 402.65 * 7_432_167_000)
        // BRK.B: the share class's own count, not the company's B-equivalent total.
        #expect(session.rows[3].marketCap == 406.91 * 1_302_970_000)
        #expect(
            session.stocks == [
                StockInfo(ticker: "AAPL", name: "Apple Inc.", sector: "ELECTRONIC COMPUTERS", exchange: "NASDAQ"),
                StockInfo(
                    ticker: "MSFT", name: "Microsoft Corp", sector: "SERVICES-PREPACKAGED SOFTWARE",
                    exchange: "NASDAQ"),
                StockInfo(
                    ticker: "BRK.B", name: "Berkshire Hathaway Inc. Class B",
                    sector: "FIRE, MARINE & CASUALTY INSURANCE", exchange: "NYSE"),
            ])
        // The two smallest by dollar volume were never looked up.
        #expect(server.requests(to: Self.details("XYZW")).isEmpty && server.requests(to: Self.details("ABCDW")).isEmpty)
        #expect(session.actions.isEmpty)
        #expect(server.requests.count == 8)
        #expect(server.requests(to: Self.grouped).map { $0.query["adjusted"] } == ["false"])
        #expect(server.requests.allSatisfy { $0.headers["authorization"] == "Bearer \(VendorTestKit.key)" })
        #expect(server.requests.allSatisfy { !$0.target.contains(VendorTestKit.key) })
        #expect(server.requests(to: Self.details("AAPL")).first?.query["date"] == "2024-03-05")
    }

    @Test("ticker details are cached for their TTL, then fetched again")
    func detailsTTL() async throws {
        let script = Self.script()
        let server = try StubHTTPServer(handler: script.reply)
        defer { server.stop() }
        let clock = ManualClock()
        let provider = Self.provider(server, clock: clock, ttl: .seconds(3600))
        let first = try await provider.session(day("2024-03-05"))
        _ = try await provider.session(day("2024-03-05"))
        #expect(server.requests(to: Self.details("AAPL")).count == 1)
        #expect(server.requests(to: Self.grouped).count == 2)
        clock.advance(by: .seconds(3601))
        let third = try await provider.session(day("2024-03-05"))
        #expect(server.requests(to: Self.details("AAPL")).count == 2)
        #expect(first == third)
    }

    @Test("a session asked before its close is not yet available, and nothing is requested")
    func beforeClose() async throws {
        let server = try StubHTTPServer { _ in .fixture("polygon-grouped-2024-03-05.json") }
        defer { server.stop() }
        let noon = Date(timeIntervalSince1970: TimeInterval(day("2024-03-05").dayNumber) * 86_400 + 12 * 3600)
        let configuration = VendorTestKit.configuration(baseURL: server.baseURL, authentication: .bearer)
        let provider = PolygonProvider(
            http: VendorTestKit.http("polygon", configuration: configuration, clock: ManualClock()),
            now: { noon }, logger: Logger(label: "test.polygon"))
        let error = await #expect(throws: VendorError.self) { try await provider.session(day("2024-03-05")) }
        #expect(error?.kind == .notYetAvailable)
        #expect(server.requests.isEmpty)
    }

    @Test("a holiday (no results) is nil")
    func holiday() async throws {
        let server = try StubHTTPServer { _ in .fixture("polygon-grouped-holiday.json") }
        defer { server.stop() }
        #expect(try await Self.provider(server).session(day("2024-03-29")) == nil)
        #expect(server.requests.count == 1)
    }

    @Test("a bar without a close is a typed error naming the field")
    func missingField() async throws {
        let body = #"{"resultsCount": 2, "results": [{"T": "AAPL", "c": 1.0, "v": 5}, {"T": "MSFT", "v": 9}]}"#
        let server = try StubHTTPServer { _ in .json(body) }
        defer { server.stop() }
        let error = await #expect(throws: PermanentVendorError.self) {
            try await Self.provider(server).session(day("2024-03-05"))
        }
        #expect(error?.vendor == "polygon")
        #expect(error?.endpoint == Self.grouped + "?adjusted=false")
        #expect(error?.kind == .missingField(field: "results[1].c"))
    }

    @Test("a count without results, and a non-JSON body, are typed errors")
    func malformed() async throws {
        let server = try StubHTTPServer { request in
            request.path == Self.grouped ? .json(#"{"resultsCount": 3, "status": "OK"}"#) : .json("<html>oops</html>")
        }
        defer { server.stop() }
        let provider = Self.provider(server)
        let missing = await #expect(throws: PermanentVendorError.self) { try await provider.session(day("2024-03-05")) }
        #expect(missing?.kind == .missingField(field: "results"))
        let garbage = await #expect(throws: PermanentVendorError.self) { try await provider.session(day("2024-03-06")) }
        #expect(garbage?.kind == .malformed(detail: "not valid JSON"))
        #expect(garbage.map { "\($0)" }?.contains(VendorTestKit.key) == false)
    }
}
