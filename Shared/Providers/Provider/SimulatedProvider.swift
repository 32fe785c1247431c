import Synchronization
import TradingCalendar

/// The `sim` provider: sessions of a `SimulatedMarket`.
///
/// Consecutive requests (a backfill asking for one session after another) are served by a cursor kept from the
/// previous request, at the speed of `SimulatedMarket.sessions(from:to:)`; any other request generates its
/// session on its own. Both give the same data.
package struct SimulatedProvider: PriceProvider {
    /// `sim`.
    package var name: String { "sim" }
    /// The market.
    package let market: SimulatedMarket
    /// The cursor left after the last request, positioned at the session after it.
    private let cache = CursorCache()

    /// A provider over `market`.
    package init(market: SimulatedMarket = SimulatedMarket()) {
        self.market = market
    }

    /// The session on `date`, or nil when `date` is not an NYSE session in 2000-2030.
    package func session(_ date: SessionDate) async throws -> ProviderSession? {
        guard let index = market.universe.schedule.index(of: date) else { return nil }
        // Taken out of the lock while generating, so a concurrent request never waits; it builds its own.
        let cached = cache.state.withLock { state in
            let cursor = state
            state = nil
            return cursor
        }
        var cursor: SimCursor
        if let cached, cached.nextIndex == index {
            cursor = cached
        } else {
            cursor = SimCursor(universe: market.universe, index: index)
        }
        let session = cursor.step()
        if !cursor.isFinished {
            cache.state.withLock { $0 = cursor }
        }
        return session
    }
}

/// The shared slot of a `SimulatedProvider`'s cursor.
private final class CursorCache: Sendable {
    /// The cursor, if one is parked.
    let state = Mutex<SimCursor?>(nil)
}
