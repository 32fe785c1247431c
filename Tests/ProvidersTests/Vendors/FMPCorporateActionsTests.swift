import Contracts
import Foundation
import Logging
import Providers
import TestSupport
import Testing
import TradingCalendar

@Suite("FMP provider: as-traded prices, splits and dividends against a stub server")
struct FMPCorporateActionsTests {
    static func action(_ date: String, _ ticker: String, _ kind: CorporateActionKind, _ value: Double?)
        -> CorporateAction
    {
        CorporateAction(date: day(date), ticker: ticker, kind: kind, value: value)
    }

    @Test("across NVDA's 10-for-1 split the closes are as traded and the split comes on its ex-date with ratio 10")
    func splitDay() async throws {
        let server = try FMPProviderTests.fixtureServer()
        defer { server.stop() }
        let provider = FMPProviderTests.provider(server, tickers: ["NVDA"])
        let before = try #require(try await provider.session(day("2024-06-07")))
        #expect(before.rows.map(\.close) == [1208.88] && before.actions.isEmpty)
        let splitDay = try #require(try await provider.session(day("2024-06-10")))
        let row = try #require(splitDay.rows.first)
        #expect(row.close == 121.79 && row.open == 120.37 && row.high == 123.1 && row.low == 117.01)
        #expect(row.volume == 314_162_700)
        #expect(splitDay.actions == [Self.action("2024-06-10", "NVDA", .split, 10)])
        // FMP has no market cap that day: the shares implied on 2024-06-07 are carried, times the split's ratio, so
        // close x shares stays a point-in-time market cap on the new basis.
        #expect(row.marketCap == nil)
        #expect(row.sharesOutstanding == 2_973_844_800_000 / 1208.88 * 10)
        let after = try #require(try await provider.session(day("2024-06-11")))
        #expect(after.rows.map(\.marketCap) == [2_974_386_000_000])
        #expect(after.actions == [Self.action("2024-06-11", "NVDA", .cashDividend, 0.01)])
        #expect(after.stocks.map(\.name) == ["NVIDIA Corporation"])
        // One block: four history requests and the profile, whatever the days asked.
        #expect(server.requests.count == 5)
    }

    @Test("a dividend is a cash_dividend of its declared amount on its ex-date, not FMP's split-adjusted adjDividend")
    func dividend() async throws {
        let server = try FMPProviderTests.fixtureServer()
        defer { server.stop() }
        let session = try #require(
            try await FMPProviderTests.provider(server, tickers: ["AAPL", "NVDA", "MSFT"]).session(day("2024-03-05")))
        #expect(session.rows.map(\.ticker) == ["AAPL", "NVDA", "MSFT"])
        #expect(session.rows[1].close == 859.64)
        #expect(session.actions == [Self.action("2024-03-05", "NVDA", .cashDividend, 0.04)])
    }

    @Test("a reverse split is its ratio below 1; a zero denominator is passed on without a value for the validator")
    func reverseAndUndefinedRatio() async throws {
        let splits =
            #"[{"symbol": "AAPL", "date": "2024-03-05", "numerator": 1, "denominator": 10}, "#
            + #"{"symbol": "AAPL", "date": "2024-03-05", "numerator": 1, "denominator": 0}]"#
        let server = try FMPProviderTests.fixtureServer(
            overrides: StubScript([FMPProviderTests.splits: [.json(splits)]]))
        defer { server.stop() }
        let session = try #require(
            try await FMPProviderTests.provider(server, tickers: ["AAPL"]).session(day("2024-03-05")))
        #expect(
            session.actions == [
                Self.action("2024-03-05", "AAPL", .split, 0.1), Self.action("2024-03-05", "AAPL", .split, nil),
            ])
    }

    @Test("a settled session with actions but no rows is delivered with its actions and no rows")
    func actionsOnly() async throws {
        let dividends = #"[{"symbol": "AAPL", "date": "2024-03-07", "dividend": 0.24, "adjDividend": 0.24}]"#
        let server = try FMPProviderTests.fixtureServer(
            overrides: StubScript([FMPProviderTests.dividends: [.json(dividends)]]))
        defer { server.stop() }
        // 2024-03-07 is a session without a bar in the fixtures.
        let session = try #require(
            try await FMPProviderTests.provider(server, tickers: ["AAPL"]).session(day("2024-03-07")))
        #expect(session.rows.isEmpty && session.stocks.isEmpty)
        #expect(session.actions == [Self.action("2024-03-07", "AAPL", .cashDividend, 0.24)])
    }

    @Test(
        "a malformed split or dividend is a permanent error naming endpoint and field",
        arguments: [
            (
                FMPProviderTests.splits, #"[{"date": "2024-03-05", "numerator": 2}]"#, "/splits?symbol=AAPL",
                VendorError.Kind.missingField(field: "[0].denominator")
            ),
            (
                FMPProviderTests.dividends, #"[{"date": "2024-03-05", "dividend": "0.24"}]"#,
                "/dividends?symbol=AAPL", .invalidField(field: "[0].dividend", detail: "expected Double")
            ),
            (
                FMPProviderTests.dividends, #"[{"date": "03/05/2024", "dividend": 0.24}]"#, "/dividends?symbol=AAPL",
                .invalidField(field: "[0].date", detail: "'03/05/2024' is not a YYYY-MM-DD date")
            ),
        ])
    func malformedAction(path: String, body: String, endpoint: String, kind: VendorError.Kind) async throws {
        let server = try FMPProviderTests.fixtureServer(overrides: StubScript([path: [.json(body)]]))
        defer { server.stop() }
        let error = await #expect(throws: PermanentVendorError.self) {
            try await FMPProviderTests.provider(server, tickers: ["AAPL"]).session(day("2024-03-05"))
        }
        #expect(error?.vendor == "fmp")
        #expect(error?.endpoint.hasPrefix(endpoint) == true)
        #expect(error?.kind == kind)
    }

    @Test("an answer at the 1000-record limit that does not reach back to the block is an error, not a silent cut")
    func truncatedHistory() async throws {
        // 1000 dividends all after the block of 2024-03-05 (2023-12-19 ... 2024-12-17): older ones were cut off.
        let records = (0..<1000).map { index in
            #"{"symbol": "AAPL", "date": "\#(day("2025-01-01").adding(days: index))", "dividend": 0.01}"#
        }
        let server = try FMPProviderTests.fixtureServer(
            overrides: StubScript([FMPProviderTests.dividends: [.json("[" + records.joined(separator: ",") + "]")]]))
        defer { server.stop() }
        let error = await #expect(throws: PermanentVendorError.self) {
            try await FMPProviderTests.provider(server, tickers: ["AAPL"]).session(day("2024-03-05"))
        }
        guard case .malformed(let detail)? = error?.kind else {
            Issue.record("expected a malformed answer, got \(String(describing: error))")
            return
        }
        #expect(detail.contains("1000 records") && detail.contains("2023-12-19"))
        // 999 of them are accepted: the limit is what makes the answer suspect.
        let shorter = try FMPProviderTests.fixtureServer(
            overrides: StubScript([
                FMPProviderTests.dividends: [.json("[" + records.dropLast().joined(separator: ",") + "]")]
            ]))
        defer { shorter.stop() }
        let session = try await FMPProviderTests.provider(shorter, tickers: ["AAPL"]).session(day("2024-03-05"))
        #expect(session?.rows.count == 1 && session?.actions.isEmpty == true)
    }
}
