import APIService
import Contracts
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import ServiceSupport
import Synchronization
import TestSupport
import Testing
import TradingCalendar

@Suite("API over a real socket")
struct LiveServerTests {
    static func gunzip(_ data: Data) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-dc"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(data)
        try input.fileHandleForWriting.close()
        let result = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ReaderFailure(message: "gzip -dc failed") }
        return result
    }

    @Test("a large answer is gzip-compressed for a client that accepts it; small ones and other clients get it plain")
    func gzip() async throws {
        let api = try TestAPI()
        // Enough sessions that the performance answer is well over a kilobyte.
        api.reader.state.withLock { state in
            let calendar = (1...250).map { offset in
                PerformancePoint(
                    date: SessionDate("2023-01-02")!.adding(days: offset), level: 1000 + Double(offset),
                    dailyReturn: 0.001)
            }
            state.points = calendar
        }
        let application = API.makeApplication(try api.dependencies(), logger: Logger.test("api"))
        try await application.test(.live) { client in
            let uri = "/index-performance?start_date=2023-01-02&end_date=2023-12-31"
            let plain = try await client.get(uri)
            #expect(plain.status == .ok)
            #expect(plain.headers[.contentEncoding] == nil)
            #expect(plain.body.readableBytes > 10_000)

            let compressed = try await client.get(uri, headers: [.acceptEncoding: "gzip"])
            #expect(compressed.status == .ok)
            #expect(compressed.headers[.contentEncoding] == "gzip")
            #expect(compressed.body.readableBytes < plain.body.readableBytes / 3)
            let inflated = try Self.gunzip(Data(compressed.body.readableBytesView))
            #expect(inflated == Data(plain.body.readableBytesView))

            let small = try await client.get("/health", headers: [.acceptEncoding: "gzip"])
            #expect(small.headers[.contentEncoding] == nil)
        }
    }

    @Test("/metrics has request counts and latency per route, cache hits and misses")
    func metrics() async throws {
        _ = Observability.registry
        let api = try TestAPI()
        try await api.test { client in
            for _ in 0..<3 {
                let status = try await client.get("/index-composition?date=2024-01-05").status
                #expect(status == .ok)
            }
            let missing = try await client.get("/no-such-route")
            #expect(missing.status == .notFound)
            let bad = try await client.get("/index-composition?date=2024-02-30")
            #expect(bad.status == .badRequest)
            let text = String(buffer: try await client.get("/metrics").body)
            #expect(text.contains(#"http_route="/index-composition""#))
            // Errors are counted with their own status, not as 500s.
            #expect(
                text.split(separator: "\n").contains {
                    $0.contains(#"http_route="/index-composition""#) && $0.contains(#"http_response_status_code="400""#)
                }
            )
            #expect(text.contains("http_server_request_duration"))
            #expect(text.contains(#"api_cache_hits_total{route="/index-composition"}"#))
            #expect(text.contains(#"api_cache_misses_total{route="/index-composition"}"#))
        }
    }
}
