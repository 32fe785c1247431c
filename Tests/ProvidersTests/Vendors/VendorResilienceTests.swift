import Contracts
import Foundation
import Logging
import Providers
import Resilience
import ResilienceTesting
import Synchronization
import Testing
import TradingCalendar

@Suite("Vendor HTTP: rate limits, retries, timeouts, circuit breaker")
struct VendorResilienceTests {
    static let grouped = PolygonProviderTests.grouped

    @Test("a 429 waits the Retry-After seconds (not the shorter backoff) and then succeeds")
    func retryAfterSeconds() async throws {
        let script = PolygonProviderTests.script()
        script.set(
            Self.grouped,
            [
                .json(#"{"status": "ERROR"}"#, status: 429, headers: ["Retry-After": "7"]),
                .fixture("polygon-grouped-2024-03-05.json"),
            ])
        let server = try StubHTTPServer(handler: script.reply)
        defer { server.stop() }
        let clock = ManualClock()
        let session = try await PolygonProviderTests.provider(server, clock: clock).session(day("2024-03-05"))
        #expect(session?.rows.count == 4)
        // The 429, its retry, then the as-traded bars.
        #expect(server.requests(to: Self.grouped).map { $0.query["adjusted"] } == ["true", "true", "false"])
        #expect(clock.sleeps == [.seconds(7)])
    }

    @Test("a 429 with an HTTP-date Retry-After waits until that date on the wall clock")
    func retryAfterDate() async throws {
        let now = Date(timeIntervalSince1970: 1_709_672_400)  // Tue, 05 Mar 2024 21:00:00 GMT
        let fired = Atomic(false)
        let client = FakeHTTPClient { _ in
            if !fired.exchange(true, ordering: .relaxed) {
                return HTTPResponse(status: 429, headers: ["retry-after": "Tue, 05 Mar 2024 21:00:42 GMT"])
            }
            return HTTPResponse(status: 200, body: Data("[]".utf8))
        }
        let clock = ManualClock()
        let http = VendorTestKit.http(
            "fmp",
            configuration: VendorTestKit.configuration(
                baseURL: URL(string: "http://vendor.invalid")!, authentication: .queryParameter(name: "apikey")),
            clock: clock, client: client, now: { now })
        _ = try await http.get("/profile", query: [("symbol", "AAPL")])
        #expect(clock.sleeps == [.seconds(42)])
        #expect(RetryAfterHeader.parse("Tuesday, 05-Mar-24 21:00:10 GMT", now: now) == .seconds(10))
        #expect(RetryAfterHeader.parse("Tue Mar  5 21:00:05 2024", now: now) == .seconds(5))
        #expect(RetryAfterHeader.parse("Tue, 05 Mar 2024 20:00:00 GMT", now: now) == .zero)
        #expect(RetryAfterHeader.parse("soon", now: now) == nil)
    }

    @Test("a 500 is retried after the exponential backoff and the retry succeeds")
    func serverErrorThenSuccess() async throws {
        let script = PolygonProviderTests.script()
        script.set(
            Self.grouped,
            [
                .json("{}", status: 500), .json("{}", status: 502), .fixture("polygon-grouped-2024-03-05.json"),
            ])
        let server = try StubHTTPServer(handler: script.reply)
        defer { server.stop() }
        let clock = ManualClock()
        let session = try await PolygonProviderTests.provider(server, clock: clock).session(day("2024-03-05"))
        #expect(session?.rows.map(\.ticker) == ["NVDA", "AAPL", "MSFT", "BRK.B"])
        // Jitter pinned to the ceiling: 0.5 s, then 1 s.
        #expect(clock.sleeps == [.milliseconds(500), .seconds(1)])
    }

    @Test("5xx to the end: the session throws, nothing partial comes back")
    func serverErrorExhausted() async throws {
        let script = PolygonProviderTests.script()
        script.set(PolygonProviderTests.details("MSFT"), [.json("{}", status: 503)])
        let server = try StubHTTPServer(handler: script.reply)
        defer { server.stop() }
        let error = await #expect(throws: RetryError.self) {
            try await PolygonProviderTests.provider(server, maxAttempts: 2).session(day("2024-03-05"))
        }
        #expect(error?.attempts == 2)
        #expect((error?.lastError as? VendorError)?.kind == .server(status: 503))
        #expect(server.requests(to: PolygonProviderTests.details("MSFT")).count == 2)
    }

    @Test("a vendor that does not answer times out, is retried, and the error says timed out")
    func timeout() async throws {
        let server = try StubHTTPServer { _ in .hang }
        defer { server.stop() }
        let error = await #expect(throws: RetryError.self) {
            try await PolygonProviderTests.provider(server, maxAttempts: 2, timeout: .seconds(1))
                .session(day("2024-03-05"))
        }
        let last = error?.lastError as? VendorError
        #expect(last?.kind == .timeout && last?.vendor == "polygon")
        #expect(server.requests.count == 2)
    }

    @Test("an outage opens the breaker, which then fails fast without a request; a recovery closes it")
    func breakerOutageAndRecovery() async throws {
        let script = PolygonProviderTests.script()
        script.set(Self.grouped, [.json("{}", status: 503)])
        let server = try StubHTTPServer(handler: script.reply)
        defer { server.stop() }
        let clock = ManualClock()
        let breaker = CircuitBreaker.Configuration(
            failureRateThreshold: 50, slidingWindowSize: 4, minimumNumberOfCalls: 4,
            waitDurationInOpenState: .seconds(30), permittedNumberOfCallsInHalfOpenState: 1)
        let provider = PolygonProviderTests.provider(server, clock: clock, maxAttempts: 1, breaker: breaker)
        for _ in 0..<4 {
            await #expect(throws: RetryError.self) { try await provider.session(day("2024-03-05")) }
        }
        #expect(provider.http.breaker.state == .open)
        let rejected = await #expect(throws: CircuitBreakerError.self) { try await provider.session(day("2024-03-05")) }
        #expect(rejected?.retryAfter == .seconds(30))
        #expect(server.requests.count == 4)

        script.set(Self.grouped, [.fixture("polygon-grouped-2024-03-05.json")])
        clock.advance(by: .seconds(30))
        let session = try await provider.session(day("2024-03-05"))
        #expect(session?.rows.count == 4)
        #expect(provider.http.breaker.state == .closed)
    }

    @Test("404s and rejections do not open the breaker; connection failures do")
    func breakerCountsOnlyOutages() async throws {
        let status = Atomic(404)
        let client = FakeHTTPClient { _ in
            let code = status.load(ordering: .relaxed)
            if code == 0 { throw HTTPClientError.transport(message: "connection refused") }
            return HTTPResponse(status: code, body: Data("{}".utf8))
        }
        let breaker = CircuitBreaker.Configuration(
            failureRateThreshold: 50, slidingWindowSize: 4, minimumNumberOfCalls: 4,
            waitDurationInOpenState: .seconds(30), permittedNumberOfCallsInHalfOpenState: 1)
        let http = VendorTestKit.http(
            "fmp",
            configuration: VendorTestKit.configuration(
                baseURL: URL(string: "http://vendor.invalid")!, authentication: .queryParameter(name: "apikey"),
                maxAttempts: 1, breaker: breaker),
            clock: ManualClock(), client: client)
        for code in [404, 403] {
            status.store(code, ordering: .relaxed)
            for _ in 0..<3 { await #expect(throws: VendorError.self) { try await http.get("/profile") } }
        }
        #expect(http.breaker.state == .closed && http.breaker.snapshot.failedCalls == 0)
        // The window holds four non-failures; two connection failures make it 50 % and open it.
        status.store(0, ordering: .relaxed)
        for _ in 0..<2 { await #expect(throws: RetryError.self) { try await http.get("/profile") } }
        #expect(http.breaker.state == .open)
    }
}
