import Contracts
import TradingCalendar

/// The FMP provider's caches: per-ticker histories (rows and corporate actions) of the blocks in use, and company
/// profiles.
///
/// Only the most recently used blocks are kept, which bounds memory on a multi-year back-fill (it walks forward,
/// block by block) while keeping the current block for the daily run.
package actor FMPStore {
    private var blocks: [FMPBlock: [String: FMPHistory]] = [:]
    private var recent: [FMPBlock] = []
    private var profiles: [String: StockInfo?] = [:]
    private let keptBlocks: Int

    /// A store keeping `keptBlocks` blocks.
    package init(keptBlocks: Int = 2) {
        self.keptBlocks = max(1, keptBlocks)
    }

    /// The tickers of `tickers` with no history of `block` that is final for `date`.
    package func missing(_ tickers: [String], block: FMPBlock, for date: SessionDate) -> [String] {
        touch(block)
        let histories = blocks[block] ?? [:]
        return tickers.filter { histories[$0]?.isFinal(for: date) != true }
    }

    /// Records `history` of `ticker` over `block`, replacing an older one.
    package func store(_ history: FMPHistory, ticker: String, block: FMPBlock) {
        touch(block)
        blocks[block, default: [:]][ticker] = history
    }

    /// The rows of `date`, in the order of `tickers`.
    package func rows(on date: SessionDate, tickers: [String], block: FMPBlock) -> [PriceRow] {
        let histories = blocks[block] ?? [:]
        return tickers.compactMap { histories[$0]?.rows[date] }
    }

    /// The corporate actions of `date`, ticker by ticker in the order of `tickers`.
    package func actions(on date: SessionDate, tickers: [String], block: FMPBlock) -> [CorporateAction] {
        let histories = blocks[block] ?? [:]
        return tickers.flatMap { histories[$0]?.actions[date] ?? [] }
    }

    /// The tickers of `tickers` whose profile has not been fetched.
    package func missingProfiles(_ tickers: [String]) -> [String] {
        tickers.filter { profiles[$0] == nil }
    }

    /// Records a ticker's profile; nil when FMP has none.
    package func storeProfile(_ info: StockInfo?, ticker: String) {
        profiles[ticker] = .some(info)
    }

    /// The known profiles of `tickers`, in order.
    package func profiles(_ tickers: [String]) -> [StockInfo] {
        tickers.compactMap { profiles[$0] ?? nil }
    }

    private func touch(_ block: FMPBlock) {
        if let index = recent.firstIndex(of: block) { recent.remove(at: index) }
        recent.append(block)
        while recent.count > keptBlocks {
            blocks[recent.removeFirst()] = nil
        }
    }
}
