import Contracts
import Methodology
import TestSupport
import TradingCalendar

/// A small deterministic market for the build engine's tests: consecutive sessions with a listing, a delisting, a
/// constituent missing one session, a session without any row, and a holiday batch that no build may use; splits
/// (one on the session without rows) and dividends, with as-traded closes. Stocks are in sectors `Tech` (A, C),
/// `Health` (B, E) and `Energy` (D); F has no metadata.
struct SimulatedMarket {
    /// One stored batch.
    struct Batch {
        var batchID: String
        var rows: [ValidRow]
        var actions: [AcceptedAction] = []
        var stocks: [StockInfo] = []
    }

    /// The sector of each ticker with metadata.
    static let sectors = ["A": "Tech", "B": "Health", "C": "Tech", "D": "Energy", "E": "Health"]

    /// The NYSE sessions of the market, ascending.
    private(set) var sessions: [SessionDate]
    /// The batch of each session, plus the holiday's.
    var batches: [SessionDate: Batch]
    /// A date that is no session, yet has a batch with rows.
    let holiday = day("2024-01-15")

    /// `count` sessions from 2024-01-02 with prices drawn from `seed`.
    init(seed: UInt64 = 1, count: Int = 16) {
        let calendar = NYSECalendar.standard
        sessions = Array(calendar.sessions(from: day("2024-01-02"), to: day("2024-12-31")).prefix(count))
        var generator = SeededGenerator(seed: seed)
        var shares: [String: Double] = ["A": 10, "B": 9, "C": 8, "D": 7, "E": 6, "F": 12]
        var closes: [String: Double] = ["A": 100, "B": 104, "C": 118, "D": 131, "E": 160]
        var batches: [SessionDate: Batch] = [:]
        // (session index, ticker, kind, value): splits change the as-traded close, dividends are paid out of it.
        let events: [(Int, String, CorporateActionKind, Double)] = [
            (3, "E", .cashDividend, 0.8), (5, "A", .split, 2), (5, "A", .cashDividend, 0.25),
            (6, "C", .specialDividend, 3),
            (8, "D", .specialDividend, 5), (11, "D", .split, 0.5), (13, "E", .split, 3), (13, "F", .cashDividend, 0.5),
        ]
        for (index, session) in sessions.enumerated() {
            if index == 4 { closes["F"] = 70 }  // listing
            if index == 9 { closes["B"] = nil }  // delisting
            var actions: [AcceptedAction] = []
            for (at, ticker, kind, value) in events where at == index {
                actions.append(AcceptedAction(date: session, ticker: ticker, kind: kind, value: value))
                guard closes[ticker] != nil else { continue }
                if kind == .split {
                    closes[ticker]! /= value
                    shares[ticker]! *= value
                } else {
                    closes[ticker]! -= value
                }
            }
            var rows: [ValidRow] = []
            for ticker in closes.keys.sorted() {
                // Moves of -10 % ... +10 % in steps of 0.01 %: ratios with no exact binary form, so bits matter.
                let move = Double(generator.next() % 2_001) / 10_000 - 0.1
                closes[ticker]! *= 1 + move
                if ticker == "C" && index == 6 { continue }  // missing for one session
                rows.append(valid(ticker, close: closes[ticker]!, cap: closes[ticker]! * shares[ticker]!))
            }
            if index == 11 { rows = [] }  // the source has no row for this session
            let stocks = rows.compactMap { row in
                Self.sectors[row.ticker].map {
                    StockInfo(ticker: row.ticker, name: "\(row.ticker) Inc.", sector: $0, exchange: "NYSE")
                }
            }
            batches[session] = Batch(
                batchID: "\(session)-v1", rows: rows.shuffled(using: &generator), actions: actions, stocks: stocks)
        }
        batches[holiday] = Batch(batchID: "holiday", rows: [valid("Z", close: 1, cap: 1e12)])
        self.batches = batches
    }

    /// The same market with `date`'s batch replaced.
    func replacing(
        _ date: SessionDate, batchID: String, rows: [ValidRow], actions: [AcceptedAction] = [],
        stocks: [StockInfo] = []
    ) -> SimulatedMarket {
        var copy = self
        copy.batches[date] = Batch(batchID: batchID, rows: rows, actions: actions, stocks: stocks)
        return copy
    }

    /// The same market over only `sessions`.
    func restricted(to sessions: [SessionDate]) -> SimulatedMarket {
        var copy = self
        copy.sessions = sessions
        return copy
    }

    /// The series computed directly, session after session, bit for bit: what every build order must store.
    func reference(_ calculator: IndexCalculator) -> [SessionDate: String] {
        var previous: IndexResult?
        var expected: [SessionDate: String] = [:]
        for session in sessions {
            let batch = batches[session]!
            var actions: [AcceptedAction] = []
            if let previous {
                // From the earliest carried close: a carried member's actions count at its next valid close.
                let since = previous.constituents.compactMap(\.lastCloseDate).reduce(previous.date, min)
                for date in sessions where since < date && date <= session {
                    actions += batches[date]!.actions
                }
            }
            let result = calculator.compute(
                date: session, rows: batch.rows, stocks: batch.stocks, previous: previous, actions: actions,
                sourceBatchID: batch.batchID
            )
            guard !result.isRetraction else { continue }
            expected[session] = bits(result)
            previous = result
        }
        return expected
    }
}
