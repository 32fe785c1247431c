import Contracts
import Providers
import Testing
import TradingCalendar

@Suite("Simulated market: data and defects")
struct SimulatedMarketDataTests {
    /// A quarter of the default market: about 190,000 rows.
    static let sample = Array(Markets.standard.sessions(from: day("2021-01-01"), to: day("2021-03-31")))

    @Test("missing rows, bad ticks and shares-only rows occur at about their configured rates")
    func defectRates() {
        var listed = 0
        var rows = 0
        var missing = 0
        var bad = 0
        var sharesOnly = 0
        for session in Self.sample {
            let present = Set(session.rows.map(\.ticker))
            listed += session.stocks.count
            missing += session.stocks.count - present.count
            var seen = Set<String>()
            for row in session.rows {
                rows += 1
                if !seen.insert(row.ticker).inserted || defect(of: row) != nil { bad += 1 }
                if row.marketCap == nil && row.sharesOutstanding != nil { sharesOnly += 1 }
            }
        }
        let missingRate = Double(missing) / Double(listed)
        let badRate = Double(bad) / Double(rows)
        let sharesOnlyRate = Double(sharesOnly) / Double(rows)
        #expect((0.001...0.0035).contains(missingRate), "missing: \(missingRate)")
        #expect((0.0002...0.001).contains(badRate), "bad ticks: \(badRate)")
        #expect((0.005...0.015).contains(sharesOnlyRate), "shares only: \(sharesOnlyRate)")
    }

    @Test("every kind of bad tick the validator must catch occurs")
    func defectKinds() {
        var kinds = Set<String>()
        for session in Self.sample {
            var seen = Set<String>()
            for row in session.rows {
                if !seen.insert(row.ticker).inserted { kinds.insert("duplicate") }
                if let kind = defect(of: row) { kinds.insert(kind) }
                if let close = row.close {
                    if close.isNaN { kinds.insert("close_nan") }
                    if close == 0 { kinds.insert("close_zero") }
                    if close < 0 { kinds.insert("close_negative") }
                }
            }
        }
        #expect(
            kinds == [
                "duplicate", "bad_close", "close_nan", "close_zero", "close_negative", "bad_market_cap",
                "high_below_low", "price_outside_range", "negative_volume",
            ])
    }

    @Test("good rows are consistent: low <= open, close <= high, positive volume, cap = close x whole shares")
    func goodRows() {
        for session in Self.sample.prefix(5) {
            for row in session.rows where defect(of: row) == nil {
                guard let close = row.close, let open = row.open, let high = row.high, let low = row.low else {
                    Issue.record("\(row.ticker) lacks a price")
                    continue
                }
                #expect(low <= open && open <= high && low <= close && close <= high && low >= 0.01)
                #expect((row.volume ?? -1) >= 0)
                if let cap = row.marketCap {
                    // The cap is rounded to whole dollars.
                    let shares = (cap / close).rounded()
                    #expect(abs(cap - close * shares) <= 0.5 + cap * 1e-15, "\(row.ticker): \(cap) / \(close)")
                }
            }
        }
    }

    @Test("share counts change, so market cap is not price times constant shares")
    func shareCountsChange() {
        var shares: [String: Set<Double>] = [:]
        for session in Self.sample {
            for row in session.rows where defect(of: row) == nil {
                guard let close = row.close else { continue }
                let count = row.sharesOutstanding ?? ((row.marketCap ?? 0) / close).rounded(.toNearestOrEven)
                // Rounding of the cap blurs by under one share per $1 of price; bucket to 0.1 %.
                shares[row.ticker, default: []].insert((count / 1000).rounded())
            }
        }
        let changed = shares.values.filter { $0.count > 1 }.count
        #expect(Double(changed) / Double(shares.count) > 0.15, "\(changed) of \(shares.count)")
    }

    @Test("market caps are heavy-tailed like the US market's")
    func marketCapDistribution() throws {
        let session = try #require(Markets.standard.session(on: day("2020-06-01")))
        let caps = session.rows.filter { defect(of: $0) == nil }.compactMap(\.marketCap).sorted(by: >)
        #expect(caps[0] / caps[99] > 5 && caps[0] / caps[99] < 200, "rank 1 / rank 100: \(caps[0] / caps[99])")
        #expect(caps[99] > 10e9 && caps[99] < 200e9, "rank 100: \(caps[99])")
        #expect(caps[99] / caps[999] > 5, "rank 100 / rank 1000: \(caps[99] / caps[999])")
    }

    /// The tickers of the 100 largest valid rows by market cap, ties by ticker; a duplicate's later rows ignored.
    func topHundred(_ rows: [PriceRow]) -> [String] {
        var seen = Set<String>()
        var ranked: [(ticker: String, cap: Double)] = []
        for row in rows where seen.insert(row.ticker).inserted && defect(of: row) == nil {
            let close = row.close ?? 0
            ranked.append((row.ticker, row.marketCap ?? (row.sharesOutstanding ?? 0) * close))
        }
        ranked.sort { $0.cap > $1.cap || ($0.cap == $1.cap && $0.ticker < $1.ticker) }
        return ranked.prefix(100).map(\.ticker)
    }

    @Test("the top 100 by market cap changes several times a month, not on every session")
    func topHundredChanges() {
        var previous: Set<String> = []
        var changes = 0
        var sessions = 0
        var first: Set<String> = []
        for session in Markets.standard.sessions(from: day("2020-01-01"), to: day("2020-12-31")) {
            let top = Set(topHundred(session.rows))
            if previous.isEmpty { first = top } else if top != previous { changes += 1 }
            previous = top
            sessions += 1
        }
        #expect(changes >= 24 && changes < sessions * 3 / 4, "\(changes) change days in \(sessions) sessions")
        #expect(first.subtracting(previous).count >= 5, "turnover over the year")
    }
}
