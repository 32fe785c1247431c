import Foundation
import Metrics
import NIOCore
import Synchronization

/// Answers to GET queries kept in memory, keyed by the resolved query, each with its ETag; emptied whenever storage
/// commits index data (see ``CacheInvalidator``). Bounded by total body bytes, least recently used out first.
package final class ResponseCache: Sendable {
    /// One cached answer.
    package struct Entry: Sendable {
        /// The JSON body.
        package var body: ByteBuffer
        /// Its gzip form, made once when the entry is cached (`.some(nil)`: too small to be worth compressing);
        /// nil when not made, for an answer that is not cached (made only if the client asks for gzip).
        package var gzipped: ByteBuffer??
        /// Its entity tag (weak: the same bytes may be sent compressed).
        package var etag: String
    }

    private struct Slot {
        var entry: Entry
        var lastUsed: UInt64
    }

    private struct State {
        var slots: [String: Slot] = [:]
        var bytes = 0
        var clock: UInt64 = 0
        var generation: UInt64 = 0
    }

    /// The most body bytes kept.
    package let capacityBytes: Int
    private let state = Mutex(State())
    private let hitCounters: Mutex<[String: Counter]> = Mutex([:])
    private let missCounters: Mutex<[String: Counter]> = Mutex([:])
    private let invalidations = Counter(label: "api_cache_invalidations_total")

    /// A cache of at most `capacityBytes` of bodies; 0 disables caching.
    package init(capacityBytes: Int) {
        self.capacityBytes = capacityBytes
    }

    /// The generation: a value computed from storage before an invalidation must not be cached after it.
    package var generation: UInt64 { state.withLock { $0.generation } }

    /// The cached answer for `key`, counting a hit or a miss for `route`.
    package func lookup(_ key: String, route: String) -> Entry? {
        let entry = state.withLock { state -> Entry? in
            guard var slot = state.slots[key] else { return nil }
            state.clock += 1
            slot.lastUsed = state.clock
            state.slots[key] = slot
            return slot.entry
        }
        if entry == nil {
            counter(missCounters, "api_cache_misses_total", route).increment()
        } else {
            counter(hitCounters, "api_cache_hits_total", route).increment()
        }
        return entry
    }

    /// Caches `body` under `key` unless the cache was invalidated since `generation`; returns the entry either way.
    @discardableResult
    package func store(_ key: String, body: ByteBuffer, generation: UInt64) -> Entry {
        guard capacityBytes > 0, body.readableBytes <= capacityBytes / 4 else {
            return Entry(body: body, gzipped: nil, etag: Self.etag(of: body))
        }
        let entry = Entry(body: body, gzipped: .some(ContentEncoding.gzip(body)), etag: Self.etag(of: body))
        state.withLock { state in
            guard state.generation == generation else { return }
            state.clock += 1
            if let old = state.slots[key] { state.bytes -= old.entry.body.readableBytes }
            state.slots[key] = Slot(entry: entry, lastUsed: state.clock)
            state.bytes += body.readableBytes
            if state.bytes > capacityBytes {
                // Evict the least recently used quarter at once, so eviction is rare and its cost spread.
                let target = capacityBytes * 3 / 4
                for (key, slot) in state.slots.sorted(by: { $0.value.lastUsed < $1.value.lastUsed }) {
                    guard state.bytes > target else { break }
                    state.slots[key] = nil
                    state.bytes -= slot.entry.body.readableBytes
                }
            }
        }
        return entry
    }

    /// Drops every answer: storage has new data.
    package func invalidate() {
        state.withLock { state in
            state.slots.removeAll(keepingCapacity: true)
            state.bytes = 0
            state.generation += 1
        }
        invalidations.increment()
    }

    /// Number of cached answers.
    package var count: Int { state.withLock { $0.slots.count } }

    /// A weak entity tag from the body's content and length: collisions matter only between two answers to the same
    /// query. 8 bytes at a time: each step mixes a word in with a multiply and a shift, both bijections of the hash,
    /// so one changed word always changes it, and the shift carries high bits down for the words after it.
    package static func etag(of body: ByteBuffer) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ word: UInt64) {
            hash = (hash ^ word) &* 0x9e37_79b9_7f4a_7c15
            hash ^= hash >> 29
        }
        body.withUnsafeReadableBytes { raw in
            let words = raw.count / 8
            for word in 0..<words {
                mix(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: word * 8, as: UInt64.self)))
            }
            var tail: UInt64 = 0
            for (shift, byte) in raw[(words * 8)...].enumerated() { tail |= UInt64(byte) << (shift * 8) }
            mix(tail)
        }
        mix(UInt64(body.readableBytes))
        return "W/\"\(String(hash, radix: 16))-\(String(body.readableBytes, radix: 16))\""
    }

    private func counter(_ counters: borrowing Mutex<[String: Counter]>, _ label: String, _ route: String) -> Counter {
        counters.withLock { counters in
            if let counter = counters[route] { return counter }
            let counter = Counter(label: label, dimensions: [("route", route)])
            counters[route] = counter
            return counter
        }
    }
}
