import Contracts
import Foundation
import Logging
import Providers
import Resilience
import ResilienceTesting
import Synchronization
import TestSupport
import Testing
import TradingCalendar

@Suite("Vendor HTTP: one attempt per call, classified errors, Retry-After, timeouts, circuit breaker")
struct VendorResilienceTests {
    static let grouped = PolygonProviderTests.grouped

    /// HTTP access to a fake vendor answering every request with `status` and `headers`; `calls` counts requests.
    static func http(
        status: Int, headers: [String: String] = [:], calls: Locked<Int>, now: Date = VendorTestKit.later,
        clock: ManualClock = ManualClock()
    ) -> VendorHTTP {
        let transport = FakeVendorTransport { _ in
            calls.update { $0 += 1 }
            return VendorResponse(status: status, headers: headers, body: Data("{}".utf8))
        }
        return VendorTestKit.http(
            "fmp",
            configuration: VendorTestKit.configuration(
                baseURL: URL(string: "http://vendor.invalid")!, authentication: .queryParameter(name: "apikey")),
            clock: clock, transport: transport, now: { now })
    }

    @Test(
        "every status is one request: 4xx but 408 and 429 are permanent, 408, 429 and 5xx are not",
        arguments: [
            (400, true), (401, true), (403, true), (404, true), (405, true), (410, true), (422, true),
            (408, false), (429, false), (500, false), (502, false), (503, false), (504, false),
        ])
    func classification(status: Int, permanent: Bool) async throws {
        let calls = Locked(0)
        let clock = ManualClock()
        let http = Self.http(status: status, calls: calls, clock: clock)
        let error = await #expect(throws: VendorError.self) { try await http.get("/profile") }
        #expect(error?.isPermanent == permanent)
        #expect(calls.value == 1)
        #expect(clock.sleeps.isEmpty)
    }

    @Test("a 429 is not retried here: its Retry-After seconds travel in the error for the pipeline's redelivery")
    func retryAfterSeconds() async throws {
        let calls = Locked(0)
        let clock = ManualClock()
        let http = Self.http(status: 429, headers: ["Retry-After": "7"], calls: calls, clock: clock)
        let error = await #expect(throws: VendorError.self) { try await http.get("/profile") }
        #expect(error?.kind == .rateLimited(retryAfter: .seconds(7)))
        #expect(error?.retryAfter == .seconds(7))
        #expect(calls.value == 1)
        #expect(clock.sleeps.isEmpty)
    }

    @Test("a 503's Retry-After is kept too; a 500 has none")
    func serviceUnavailable() async throws {
        let calls = Locked(0)
        let unavailable = Self.http(status: 503, headers: ["retry-after": "120"], calls: calls)
        let error = await #expect(throws: VendorError.self) { try await unavailable.get("/profile") }
        #expect(error?.kind == .server(status: 503, retryAfter: .seconds(120)))
        #expect(error?.retryAfter == .seconds(120))
        let failing = Self.http(status: 500, headers: ["retry-after": "120"], calls: calls)
        let plain = await #expect(throws: VendorError.self) { try await failing.get("/profile") }
        #expect(plain?.kind == .server(status: 500))
        #expect(plain?.retryAfter == nil)
    }

    @Test("a Retry-After longer than VendorHTTP.maxRetryAfter (300 s) is cut to it")
    func retryAfterCap() async throws {
        #expect(VendorHTTP.maxRetryAfter == .seconds(300))
        let calls = Locked(0)
        for header in ["3600", "301", "Tue, 05 Mar 2024 23:00:00 GMT"] {
            let now = Date(timeIntervalSince1970: 1_709_672_400)  // Tue, 05 Mar 2024 21:00:00 GMT
            let http = Self.http(status: 429, headers: ["Retry-After": header], calls: calls, now: now)
            let error = await #expect(throws: VendorError.self) { try await http.get("/profile") }
            #expect(error?.retryAfter == .seconds(300), "Retry-After: \(header)")
        }
        let http = Self.http(status: 429, headers: ["Retry-After": "300"], calls: calls)
        let error = await #expect(throws: VendorError.self) { try await http.get("/profile") }
        #expect(error?.retryAfter == .seconds(300))
    }

    @Test("a 429 with an HTTP-date Retry-After asks for the wait until that date on the wall clock")
    func retryAfterDate() async throws {
        let now = Date(timeIntervalSince1970: 1_709_672_400)  // Tue, 05 Mar 2024 21:00:00 GMT
        let calls = Locked(0)
        let http = Self.http(
            status: 429, headers: ["retry-after": "Tue, 05 Mar 2024 21:00:42 GMT"], calls: calls, now: now)
        let error = await #expect(throws: VendorError.self) { try await http.get("/profile", query: [("symbol", "A")]) }
        #expect(error?.retryAfter == .seconds(42))
        #expect(RetryAfterHeader.parse("Tuesday, 05-Mar-24 21:00:10 GMT", now: now) == .seconds(10))
        #expect(RetryAfterHeader.parse("Tue Mar  5 21:00:05 2024", now: now) == .seconds(5))
        #expect(RetryAfterHeader.parse("Tue, 05 Mar 2024 20:00:00 GMT", now: now) == .zero)
        #expect(RetryAfterHeader.parse("soon", now: now) == nil)
    }

    @Test("a 5xx fails the session after one request, with the transient error as it is")
    func serverError() async throws {
        let script = PolygonProviderTests.script()
        script.set(Self.grouped, [.json("{}", status: 500), .fixture("polygon-grouped-2024-03-05.json")])
        let server = try StubHTTPServer(handler: script.reply)
        defer { server.stop() }
        let clock = ManualClock()
        let provider = PolygonProviderTests.provider(server, clock: clock)
        let error = await #expect(throws: VendorError.self) { try await provider.session(day("2024-03-05")) }
        #expect(error?.kind == .server(status: 500))
        #expect(server.requests.count == 1)
        #expect(clock.sleeps.isEmpty)
        // The next call (the pipeline's redelivery) asks again and gets the day.
        #expect(try await provider.session(day("2024-03-05"))?.rows.count == 4)
    }

    @Test("a permanent failure leaves the session as PermanentVendorError after one request")
    func permanent() async throws {
        let script = PolygonProviderTests.script()
        script.set(Self.grouped, [.json(#"{"status": "NOT_AUTHORIZED"}"#, status: 403)])
        let server = try StubHTTPServer(handler: script.reply)
        defer { server.stop() }
        let error = await #expect(throws: PermanentVendorError.self) {
            try await PolygonProviderTests.provider(server).session(day("2024-03-05"))
        }
        guard case .rejected(403, _)? = error?.kind else {
            Issue.record("expected a 403 rejection, got \(String(describing: error))")
            return
        }
        #expect(error?.description.contains("HTTP 403") == true)
        #expect(server.requests.count == 1)
    }

    @Test("a vendor that does not answer times out after one request, and the error says timed out")
    func timeout() async throws {
        let server = try StubHTTPServer { _ in .hang }
        defer { server.stop() }
        let error = await #expect(throws: VendorError.self) {
            try await PolygonProviderTests.provider(server, timeout: .seconds(1)).session(day("2024-03-05"))
        }
        #expect(error?.kind == .timeout && error?.vendor == "polygon")
        #expect(server.requests.count == 1)
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
        let provider = PolygonProviderTests.provider(server, clock: clock, breaker: breaker)
        for _ in 0..<4 {
            await #expect(throws: VendorError.self) { try await provider.session(day("2024-03-05")) }
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
        let transport = FakeVendorTransport { _ in
            let code = status.load(ordering: .relaxed)
            if code == 0 { throw VendorTransportError.transport(message: "connection refused") }
            return VendorResponse(status: code, body: Data("{}".utf8))
        }
        let breaker = CircuitBreaker.Configuration(
            failureRateThreshold: 50, slidingWindowSize: 4, minimumNumberOfCalls: 4,
            waitDurationInOpenState: .seconds(30), permittedNumberOfCallsInHalfOpenState: 1)
        let http = VendorTestKit.http(
            "fmp",
            configuration: VendorTestKit.configuration(
                baseURL: URL(string: "http://vendor.invalid")!, authentication: .queryParameter(name: "apikey"),
                breaker: breaker),
            clock: ManualClock(), transport: transport)
        for code in [404, 403] {
            status.store(code, ordering: .relaxed)
            for _ in 0..<3 { await #expect(throws: VendorError.self) { try await http.get("/profile") } }
        }
        #expect(http.breaker.state == .closed && http.breaker.snapshot.failedCalls == 0)
        // The window holds four non-failures; two connection failures make it 50 % and open it.
        status.store(0, ordering: .relaxed)
        for _ in 0..<2 { await #expect(throws: VendorError.self) { try await http.get("/profile") } }
        #expect(http.breaker.state == .open)
    }
}
