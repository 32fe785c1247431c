import Contracts
import FetcherService
import Foundation
import NATSClient
import Pipeline
import Providers
import TestSupport
import Testing
import TradingCalendar

/// The fetcher's stage against a stub vendor, each delivery settled as the consumer runner settles it: the pipeline's
/// redelivery is the only retry of a vendor call, a permanent failure is dead-lettered on the first delivery.
@Suite("Vendor failures through the fetcher's stage")
struct VendorRetryTests {
    /// A settled session, asked long after its close.
    static let date = SessionDate("2024-03-05")!
    static let request = ReplayRequest(replayID: "vendor-1", from: date, to: date)

    /// The fetcher's stage reading from `vendor` at `server` (one ticker or candidate, one request at a time); storage
    /// holds nothing, so the session is fetched.
    static func stage(_ vendor: String, _ server: StubHTTPServer) throws -> (
        StageConsumer<ReplayRequest>, FakePublisher
    ) {
        let providers = try ProviderFactory(environment: [
            "PROVIDER_API_KEY": "stage-key", "PROVIDER_BASE_URL": server.baseURL.absoluteString,
            "FMP_TICKERS": "AAPL", "POLYGON_CANDIDATES": "1", "PROVIDER_CONCURRENCY": "1",
            "PROVIDER_RATE_LIMIT": "10000",
        ])
        let storage = FakeStorage()
        storage.on(SessionsQuery.self) { _ in SessionsReply(sessions: []) }
        let publisher = FakePublisher()
        let replayer = Replayer(
            defaultProvider: try providers.make(vendor), providers: providers, publisher: publisher, storage: storage,
            logger: .stage)
        return (Fetcher.consumer(replayer), publisher)
    }

    /// A vendor answering every request with `status`, `headers` and `body`.
    static func server(_ status: Int, headers: [String: String] = [:], body: String = #"{"error": "no"}"#) throws
        -> StubHTTPServer
    {
        try StubHTTPServer { _ in .json(body, status: status, headers: headers) }
    }

    @Test(
        "401, 403 and 404 cost one request and dead-letter the request on its first delivery, with the reason",
        arguments: [("polygon", 401), ("polygon", 403), ("polygon", 404), ("fmp", 401), ("fmp", 403)])
    func permanentStatus(vendor: String, status: Int) async throws {
        let server = try Self.server(status)
        defer { server.stop() }
        let (stage, publisher) = try Self.stage(vendor, server)
        let settlements = try await redeliver(Self.request, to: stage)
        #expect(server.requests.count == 1)
        #expect(settlements.count == 1)
        guard case .deadLetter(let reason)? = settlements.first else {
            Issue.record("expected a dead letter, got \(settlements)")
            return
        }
        #expect(reason.contains("\(vendor) ") && reason.contains("HTTP \(status)") && reason.contains("permanent"))
        #expect(!reason.contains("stage-key"))
        #expect(publisher.messages.isEmpty)
    }

    @Test("a malformed answer costs one request and is dead-lettered at once", arguments: ["polygon", "fmp"])
    func malformed(vendor: String) async throws {
        let server = try Self.server(200, body: "<html>oops</html>")
        defer { server.stop() }
        let (stage, publisher) = try Self.stage(vendor, server)
        let settlements = try await redeliver(Self.request, to: stage)
        #expect(server.requests.count == 1)
        guard settlements.count == 1, case .deadLetter(let reason) = settlements[0] else {
            Issue.record("expected one dead letter, got \(settlements)")
            return
        }
        #expect(reason.contains("malformed response"))
        #expect(publisher.messages.isEmpty)
    }

    @Test(
        "a 500 every time costs exactly one request per delivery: maxDeliver requests, then a dead letter",
        arguments: ["polygon", "fmp"])
    func serverErrorEveryTime(vendor: String) async throws {
        let server = try Self.server(500)
        defer { server.stop() }
        let (stage, publisher) = try Self.stage(vendor, server)
        let maxDeliver = stage.consumer.maxDeliver
        // The figure README's worst case is stated with.
        #expect(maxDeliver == 10)
        let settlements = try await redeliver(Self.request, to: stage)
        #expect(server.requests.count == maxDeliver)
        #expect(settlements.count == maxDeliver)
        let delays = ConsumerRunnerOptions().nakDelay
        #expect(Array(settlements.dropLast()) == (1..<maxDeliver).map { .redeliver(after: delays($0)) })
        guard case .deadLetter(let reason)? = settlements.last else {
            Issue.record("expected a dead letter last, got \(settlements)")
            return
        }
        #expect(reason.contains("failed on all \(maxDeliver) deliveries") && reason.contains("HTTP 500"))
        #expect(publisher.messages.isEmpty)
    }

    @Test(
        "Retry-After of a 429 or a 503 is the redelivery delay, up to VendorHTTP.maxRetryAfter",
        arguments: [(429, "7", Duration.seconds(7)), (503, "45", .seconds(45)), (429, "3600", .seconds(300))])
    func retryAfter(status: Int, header: String, delay: Duration) async throws {
        let server = try Self.server(status, headers: ["Retry-After": header])
        defer { server.stop() }
        let (stage, _) = try Self.stage("polygon", server)
        let settlements = try await redeliver(Self.request, to: stage)
        #expect(settlements.first == .redeliver(after: delay))
        #expect(delay <= VendorHTTP.maxRetryAfter)
        // Still one request per delivery.
        #expect(server.requests.count == settlements.count)
    }

    @Test("a replay naming a vendor without a key is dead-lettered at once, naming the missing setting")
    func missingKey() async throws {
        let providers = try ProviderFactory(environment: [:])
        let storage = FakeStorage()
        storage.on(SessionsQuery.self) { _ in SessionsReply(sessions: []) }
        let replayer = Replayer(
            defaultProvider: ScriptedProvider(), providers: providers, publisher: FakePublisher(), storage: storage,
            logger: .stage)
        let request = ReplayRequest(replayID: "vendor-2", from: Self.date, to: Self.date, provider: "polygon")
        let settlements = try await redeliver(request, to: Fetcher.consumer(replayer))
        guard settlements.count == 1, case .deadLetter(let reason) = settlements[0] else {
            Issue.record("expected one dead letter, got \(settlements)")
            return
        }
        #expect(reason.contains("PROVIDER_API_KEY"))
    }

    @Test("PROVIDER_MAX_ATTEMPTS set is a configuration error when the fetcher's providers are made, even for sim")
    func maxAttemptsRefused() throws {
        let error = #expect(throws: VendorConfigurationError.self) {
            try ProviderFactory(environment: ["PROVIDER_MAX_ATTEMPTS": "4"])
        }
        #expect(error.map { "\($0)" }?.contains("PROVIDER_MAX_ATTEMPTS") == true)
    }
}
