import Foundation
import Logging
import Providers
import Resilience
import ResilienceTesting
import Synchronization
import TestSupport

/// Builders shared by the vendor suites.
enum VendorTestKit {
    /// The key every test configures; asserted to travel as the vendor expects and never to leak into errors.
    static let key = "test-KEY-9f8e7d6c"

    /// A wall clock long after every fixture date, so all of them are settled.
    static let later = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01

    /// A configuration for `server` whose bucket never waits unless `rate` says otherwise.
    static func configuration(
        baseURL: URL,
        authentication: VendorConfiguration.Authentication,
        timeout: Duration = .seconds(5),
        rate: TokenBucket.Limits = TokenBucket.Limits(capacity: 1000, refillPerSecond: 1000),
        breaker: CircuitBreaker.Configuration = CircuitBreaker.Configuration(),
        concurrency: Int = 1
    ) -> VendorConfiguration {
        VendorConfiguration(
            apiKey: key, baseURL: baseURL, authentication: authentication, rateLimit: rate, timeout: timeout,
            breaker: breaker, concurrency: concurrency)
    }

    /// HTTP access to `fmp` or `polygon` through the real URLSession transport.
    static func http(
        _ vendor: String, configuration: VendorConfiguration, clock: ManualClock,
        transport: any VendorTransport = URLSessionVendorTransport(), now: @escaping @Sendable () -> Date = { later }
    ) -> VendorHTTP {
        VendorHTTP(
            vendor: vendor, configuration: configuration, transport: transport, clock: clock, now: now,
            logger: Logger(label: "test.vendors"))
    }
}

/// A scripted reply list per path: each request takes the next reply, the last one repeats.
final class StubScript: Sendable {
    private let replies: Mutex<[String: [StubHTTPServer.Reply]]>

    /// A script of `replies` by path.
    init(_ replies: [String: [StubHTTPServer.Reply]]) {
        self.replies = Mutex(replies)
    }

    /// Replaces the replies of `path`.
    func set(_ path: String, _ list: [StubHTTPServer.Reply]) {
        replies.withLock { $0[path] = list }
    }

    /// The next reply for `request`; 404 for an unscripted path.
    func reply(_ request: StubHTTPServer.Request) -> StubHTTPServer.Reply {
        replies.withLock { replies in
            guard var list = replies[request.path], let first = list.first else {
                return .fixture("polygon-not-found.json", status: 404)
            }
            if list.count > 1 {
                list.removeFirst()
                replies[request.path] = list
            }
            return first
        }
    }
}

/// A fake transport answering from a closure, for cases a socket cannot produce on demand (a connection failure).
struct FakeVendorTransport: VendorTransport {
    /// The behaviour.
    let respond: @Sendable (VendorRequest) async throws -> VendorResponse

    func send(_ request: VendorRequest) async throws -> VendorResponse {
        try await respond(request)
    }
}

/// A settable wall clock.
final class WallClock: Sendable {
    private let value: Mutex<Date>

    /// A clock reading `start`.
    init(_ start: Date) {
        value = Mutex(start)
    }

    /// The time.
    var now: Date { value.withLock { $0 } }

    /// Sets the time.
    func set(_ date: Date) {
        value.withLock { $0 = date }
    }
}
