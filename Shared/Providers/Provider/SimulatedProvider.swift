import Synchronization
import TradingCalendar

/// The `sim` provider: sessions of a `SimulatedMarket`.
///
/// Consecutive requests (a backfill asking for one session after another, or a range right after the last one) are
/// served by a cursor kept from the previous request, at the speed of `SimulatedMarket.sessions(from:to:)`; any
/// other request generates its sessions on its own. Both give the same data.
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
        var cursor = cursor(at: index)
        let session = cursor.step()
        park(cursor)
        return session
    }

    /// The sessions from `start` through `end`, in order, each handed to `body` as it is generated: as
    /// `SimulatedMarket.sessions(from:to:)` gives them, but continuing the cursor the last request left when the
    /// range starts where that one stopped. A daily run or consecutive one-session replays then cost one session
    /// each, not a walk from the start of the quarter (76 % of the fetcher's CPU per new session before).
    package func forEachSession(
        from start: SessionDate, through end: SessionDate, _ body: (SimSession) async throws -> Void
    ) async throws {
        let schedule = market.universe.schedule
        let lower = schedule.firstIndex(onOrAfter: start)
        let upper = max(schedule.firstIndex(after: end), lower)
        guard lower < upper else { return }
        var cursor = cursor(at: lower)
        while cursor.nextIndex < upper { try await body(cursor.step()) }
        park(cursor)
    }

    /// The parked cursor when it stands at `index`, else a new one there. Taken out of the lock while generating,
    /// so a concurrent request never waits; it builds its own.
    private func cursor(at index: Int) -> SimCursor {
        let parked = cache.state.withLock { state in
            defer { state = nil }
            return state
        }
        if let parked, parked.nextIndex == index { return parked }
        return SimCursor(universe: market.universe, index: index)
    }

    /// Leaves `cursor` for the next request, unless the schedule is over.
    private func park(_ cursor: SimCursor) {
        guard !cursor.isFinished else { return }
        cache.state.withLock { $0 = cursor }
    }
}

/// The shared slot of a `SimulatedProvider`'s cursor.
private final class CursorCache: Sendable {
    /// The cursor, if one is parked.
    let state = Mutex<SimCursor?>(nil)
}
