import Contracts
import Foundation
import Logging
import Providers
import ResilienceTesting
import TestSupport
import Testing
import TradingCalendar

@Suite("Polygon provider: as-traded bars, splits and dividends against a stub server")
struct PolygonCorporateActionsTests {
    static let grouped = "/v2/aggs/grouped/locale/us/market/stocks/2024-06-10"
    static let splits = PolygonProviderTests.splits
    static let dividends = PolygonProviderTests.dividends
    static let details = PolygonProviderTests.details

    /// 2024-06-10: NVDA's 10-for-1 split (and XYZW's 1-for-20, QQQZ's for a ticker without a bar), dividends on two
    /// pages: AAPL regular, COST special, MSFT regular, XYZW a long-term capital gain.
    static func script() -> StubScript {
        StubScript([
            grouped: [.fixture("polygon-grouped-2024-06-10.json")],
            splits: [.fixture("polygon-splits-2024-06-10.json")],
            dividends: [
                .fixture("polygon-dividends-2024-06-10-page1.json"),
                .fixture("polygon-dividends-2024-06-10-page2.json"),
            ],
            details("NVDA"): [.fixture("polygon-details-NVDA.json")],
            details("AAPL"): [.fixture("polygon-details-AAPL.json")],
            details("MSFT"): [.fixture("polygon-details-MSFT.json")],
            details("COST"): [.fixture("polygon-details-COST.json")],
            details("SPY"): [.fixture("polygon-details-SPY.json")],
        ])
    }

    static func action(_ ticker: String, _ kind: CorporateActionKind, _ value: Double?) -> CorporateAction {
        CorporateAction(date: day("2024-06-10"), ticker: ticker, kind: kind, value: value)
    }

    @Test("a split day: closes as traded, market cap = that close x the shares as of the day, the day's actions")
    func splitDay() async throws {
        let script = Self.script()
        let server = try StubHTTPServer(handler: script.reply)
        defer { server.stop() }
        let session = try #require(try await PolygonProviderTests.provider(server).session(day("2024-06-10")))
        // By dollar volume: NVDA, SPY (an ETF, left out), AAPL, MSFT, COST.
        #expect(session.rows.map(\.ticker) == ["NVDA", "AAPL", "MSFT", "COST"])
        let nvda = session.rows[0]
        #expect(nvda.open == 120.37 && nvda.high == 123.1 && nvda.low == 117.01 && nvda.close == 121.79)
        #expect(nvda.volume == 314_162_700)
        #expect(nvda.marketCap == 121.79 * 24_598_000_000)
        #expect(session.rows[3].marketCap == 840.11 * 443_340_000)
        #expect(
            session.actions == [
                Self.action("NVDA", .split, 10), Self.action("XYZW", .split, 0.05),
                Self.action("AAPL", .cashDividend, 0.25), Self.action("COST", .specialDividend, 15),
                Self.action("MSFT", .cashDividend, 0.75), Self.action("XYZW", .specialDividend, 0.12),
            ])
        #expect(server.requests(to: Self.grouped).map { $0.query["adjusted"] } == ["false"])
        #expect(server.requests(to: Self.details("NVDA")).map { $0.query["date"] } == ["2024-06-10"])
        let splitRequests = server.requests(to: Self.splits)
        #expect(splitRequests.map { $0.query["execution_date"] } == ["2024-06-10"])
        #expect(splitRequests.first?.query["limit"] == "1000")
        // The second page is asked with next_url's cursor, at the configured server, with the key as a header only.
        let pages = server.requests(to: Self.dividends)
        #expect(pages.map { $0.query["ex_dividend_date"] } == ["2024-06-10", nil])
        #expect(pages.last?.query["cursor"] == "YXA9MiZhcz0mZXhfZGl2aWRlbmRfZGF0ZT0yMDI0LTA2LTEwJmxpbWl0PTI")
        #expect(pages.allSatisfy { $0.headers["authorization"] == "Bearer \(VendorTestKit.key)" })
        // The grouped day, one page of splits, two of dividends, five details.
        #expect(server.requests.count == 9)
    }

    @Test(
        "dividend types: CD is regular, SC special, LT and ST capital gains taken as special, others kept as received",
        arguments: [
            ("CD", "cash_dividend"), ("SC", "special_dividend"), ("LT", "special_dividend"), ("ST", "special_dividend"),
            ("XX", "XX"),
        ])
    func dividendTypes(type: String, kind: String) async throws {
        let body =
            #"{"results": [{"ticker": "AAPL", "ex_dividend_date": "2024-06-10", "cash_amount": 0.5, "#
            + #""dividend_type": "\#(type)"}], "status": "OK"}"#
        let script = Self.script()
        script.set(Self.dividends, [.json(body)])
        let server = try StubHTTPServer(handler: script.reply)
        defer { server.stop() }
        let session = try #require(try await PolygonProviderTests.provider(server).session(day("2024-06-10")))
        let dividends = session.actions.filter { $0.kind != "split" }
        #expect(dividends == [CorporateAction(date: day("2024-06-10"), ticker: "AAPL", kind: kind, value: 0.5)])
    }

    @Test(
        "a malformed split or dividend list is a permanent error naming endpoint and field",
        arguments: [
            (
                PolygonProviderTests.splits,
                #"{"results": [{"ticker": "NVDA", "execution_date": "2024-06-10", "split_to": 10}]}"#,
                VendorError.Kind.missingField(field: "results[0].split_from")
            ),
            (
                PolygonProviderTests.dividends,
                #"{"results": [{"ticker": "AAPL", "ex_dividend_date": "2024-06-10", "cash_amount": 0.25}]}"#,
                .missingField(field: "results[0].dividend_type")
            ),
            (
                PolygonProviderTests.dividends,
                #"{"results": [{"ticker": "AAPL", "ex_dividend_date": "2024-06-11", "cash_amount": 0.25, "#
                    + #""dividend_type": "CD"}]}"#,
                .invalidField(
                    field: "results[0].ex_dividend_date", detail: "'2024-06-11' is not the date asked, 2024-06-10")
            ),
            (
                PolygonProviderTests.splits,
                #"{"results": [{"ticker": "", "execution_date": "2024-06-10", "split_from": 1, "split_to": 2}]}"#,
                .invalidField(field: "results[0].ticker", detail: "empty ticker")
            ),
            (
                PolygonProviderTests.dividends, #"{"results": [], "next_url": "https://api.polygon.io?cursor=x"}"#,
                .invalidField(field: "next_url", detail: "'https://api.polygon.io?cursor=x' is not a URL with a path")
            ),
        ])
    func malformed(path: String, body: String, kind: VendorError.Kind) async throws {
        let script = Self.script()
        script.set(path, [.json(body)])
        let server = try StubHTTPServer(handler: script.reply)
        defer { server.stop() }
        let error = await #expect(throws: PermanentVendorError.self) {
            try await PolygonProviderTests.provider(server).session(day("2024-06-10"))
        }
        #expect(error?.vendor == "polygon")
        #expect(error?.endpoint.hasPrefix(path + "?") == true)
        #expect(error?.kind == kind)
        #expect(error.map { "\($0)" }?.contains(VendorTestKit.key) == false)
    }

    @Test("a next_url chain longer than PolygonProvider.maxPages is an error, not an endless loop or a silent cut")
    func endlessPages() async throws {
        let script = Self.script()
        script.set(
            Self.splits,
            [.json(#"{"results": [], "next_url": "https://api.polygon.io/v3/reference/splits?cursor=again"}"#)])
        let server = try StubHTTPServer(handler: script.reply)
        defer { server.stop() }
        let error = await #expect(throws: PermanentVendorError.self) {
            try await PolygonProviderTests.provider(server).session(day("2024-06-10"))
        }
        #expect(error?.kind == .malformed(detail: "more than \(PolygonProvider.maxPages) pages of 1000"))
        #expect(server.requests(to: Self.splits).count == PolygonProvider.maxPages)
    }
}
