import Resilience
import TradingCalendar

/// Polygon ticker details by ticker and calendar quarter, each kept for a time-to-live: shares outstanding change
/// with quarterly filings, so one look-up per ticker per quarter serves every row of it, and the TTL refreshes the
/// current quarter as new filings arrive.
package actor PolygonDetailsCache {
    /// A cache key: a ticker in a quarter.
    package struct Key: Hashable, Sendable {
        /// The ticker.
        package var ticker: String
        /// `year * 4 + quarter - 1`.
        package var quarter: Int

        /// The key of `ticker` on `date`.
        package init(ticker: String, date: SessionDate) {
            self.ticker = ticker
            quarter = date.year * 4 + (date.month - 1) / 3
        }
    }

    private struct Entry {
        /// nil when Polygon does not know the ticker (404).
        var details: PolygonWire.Details?
        var storedAt: Duration
    }

    private let ttl: Duration
    private let clock: any ResilienceClock
    private var entries: [Key: Entry] = [:]
    private var insertsSinceSweep = 0

    /// An empty cache whose entries live `ttl` on `clock`.
    package init(ttl: Duration, clock: any ResilienceClock) {
        self.ttl = ttl
        self.clock = clock
    }

    /// The cached look-up of `key`: `.some(nil)` for a known 404, nil when absent or expired.
    package func lookup(_ key: Key) -> PolygonWire.Details?? {
        guard let entry = entries[key], clock.now() - entry.storedAt < ttl else { return nil }
        return .some(entry.details)
    }

    /// Stores a look-up's result.
    package func store(_ details: PolygonWire.Details?, for key: Key) {
        entries[key] = Entry(details: details, storedAt: clock.now())
        insertsSinceSweep += 1
        // Expired entries are dropped now and then so a long-running fetcher does not grow without bound.
        if insertsSinceSweep >= 1000 {
            insertsSinceSweep = 0
            let now = clock.now()
            entries = entries.filter { now - $0.value.storedAt < ttl }
        }
    }
}
