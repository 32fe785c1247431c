import APIService
import Contracts
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import TestSupport
import Testing

@Suite("Response cache and ETags")
struct CacheTests {
    @Test("a repeated query is answered from the cache, the same bytes, storage asked once")
    func hit() async throws {
        let api = try TestAPI()
        try await api.test { client in
            let first = try await client.get("/index-performance?start_date=2024-01-02&end_date=2024-01-08")
            let second = try await client.get("/index-performance?end_date=2024-01-08&start_date=2024-01-02")
            #expect(first.body == second.body)
            #expect(first.headers[.eTag] == second.headers[.eTag])
            #expect(first.headers[.eTag]?.hasPrefix("W/\"") == true)
        }
        #expect(api.reader.calls == 1)
    }

    @Test("an ETag is the same for the same bytes and differs when any one byte or the length differs")
    func etagOfContent() {
        let body = (0..<1_003).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let tag = ResponseCache.etag(of: ByteBuffer(bytes: body))
        #expect(ResponseCache.etag(of: ByteBuffer(bytes: body)) == tag)
        #expect(tag.hasPrefix("W/\"") && tag.hasSuffix("-3eb\""))
        var tags: Set<String> = [tag]
        for position in body.indices {
            for flip: UInt8 in [0x01, 0x80] {
                var changed = body
                changed[position] ^= flip
                tags.insert(ResponseCache.etag(of: ByteBuffer(bytes: changed)))
            }
        }
        #expect(tags.count == 1 + body.count * 2)
        #expect(ResponseCache.etag(of: ByteBuffer(bytes: body + [0])) != tag)
        #expect(ResponseCache.etag(of: ByteBuffer()) != ResponseCache.etag(of: ByteBuffer(bytes: [0])))
    }

    @Test("If-None-Match with the ETag gives 304 without a body; another ETag gives the body")
    func notModified() async throws {
        let api = try TestAPI()
        try await api.test { client in
            let first = try await client.get("/composition-changes?start_date=2024-01-02&end_date=2024-01-08")
            let etag = try #require(first.headers[.eTag])
            let again = try await client.get(
                "/composition-changes?start_date=2024-01-02&end_date=2024-01-08", headers: [.ifNoneMatch: etag]
            )
            #expect(again.status == .notModified)
            #expect(again.body.readableBytes == 0)
            #expect(again.headers[.eTag] == etag)
            let listed = try await client.get(
                "/composition-changes?start_date=2024-01-02&end_date=2024-01-08",
                headers: [.ifNoneMatch: "\"other\", \(etag.dropFirst(2))"]
            )
            #expect(listed.status == .notModified)
            let stale = try await client.get(
                "/composition-changes?start_date=2024-01-02&end_date=2024-01-08", headers: [.ifNoneMatch: "W/\"0-0\""]
            )
            #expect(stale.status == .ok)
            #expect(stale.body == first.body)
        }
    }

    @Test("after an invalidation the next answer is read again and carries the new data and a new ETag")
    func invalidation() async throws {
        let api = try TestAPI()
        try await api.test { client in
            let before = try await client.get("/index-performance?start_date=2024-01-02&end_date=2024-01-08")
            api.reader.state.withLock {
                $0.points[4] = .init(date: $0.points[4].date, level: 1030, dailyReturn: 0.0099)
            }
            let cached = try await client.get("/index-performance?start_date=2024-01-02&end_date=2024-01-08")
            #expect(cached.body == before.body)
            api.cache.invalidate()
            let after = try await client.get("/index-performance?start_date=2024-01-02&end_date=2024-01-08")
            #expect(after.body != before.body)
            #expect(after.headers[.eTag] != before.headers[.eTag])
            let points = try #require(try after.json["performance"] as? [[String: Any]])
            #expect(points.last?["level"] as? Double == 1030)
        }
        #expect(api.reader.calls == 2)
    }

    @Test("an answer computed before an invalidation is not cached after it")
    func generationRace() {
        let cache = ResponseCache(capacityBytes: 1 << 20)
        let generation = cache.generation
        cache.invalidate()
        cache.store("k", body: ByteBuffer(string: "old"), generation: generation)
        #expect(cache.lookup("k", route: "/r") == nil)
        cache.store("k", body: ByteBuffer(string: "new"), generation: cache.generation)
        #expect(cache.lookup("k", route: "/r")?.body == ByteBuffer(string: "new"))
    }

    @Test("the cache stays within its byte budget, dropping the least recently used")
    func bounded() {
        let cache = ResponseCache(capacityBytes: 4_000)
        let body = ByteBuffer(repeating: 0x41, count: 900)
        cache.store("a", body: body, generation: cache.generation)
        cache.store("b", body: body, generation: cache.generation)
        cache.store("c", body: body, generation: cache.generation)
        _ = cache.lookup("a", route: "/r")
        cache.store("d", body: body, generation: cache.generation)
        cache.store("e", body: body, generation: cache.generation)
        #expect(cache.count < 5)
        #expect(cache.lookup("a", route: "/r") != nil)
        #expect(cache.lookup("b", route: "/r") == nil)
    }

    @Test("with the cache off every request reads storage")
    func disabled() async throws {
        let api = try TestAPI(cacheBytes: 0)
        try await api.test { client in
            for _ in 0..<3 {
                let status = try await client.get("/index-composition?date=2024-01-05").status
                #expect(status == .ok)
            }
        }
        #expect(api.reader.calls == 3)
    }
}
