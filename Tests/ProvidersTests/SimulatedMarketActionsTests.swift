import Contracts
import Foundation
import Testing
import TradingCalendar

@testable import Providers

@Suite("Simulated market: corporate actions and as-traded prices")
struct SimulatedMarketActionsTests {
    /// 200 stocks listed a day over ten years: about 2,000 stock-years.
    static let market = SimulatedMarket(tickers: 200, seed: 11)
    /// Its sessions of 2010-2019, generated once for the suite.
    static let decade = Array(market.sessions(from: day("2010-01-01"), to: day("2019-12-31")))

    /// The sessions of `decade` by date.
    static let byDate = Dictionary(uniqueKeysWithValues: decade.map { ($0.date, $0) })

    /// The first row of `ticker` in `session` when it breaks no validator rule.
    static func validRow(_ ticker: String, in session: ProviderSession) -> PriceRow? {
        guard let row = session.rows.first(where: { $0.ticker == ticker }), defect(of: row) == nil else { return nil }
        return row
    }

    /// The market cap of a valid row, given or derived.
    static func marketCap(_ row: PriceRow) -> Double {
        row.marketCap ?? (row.sharesOutstanding ?? 0) * (row.close ?? 0)
    }

    /// The model's state of `stock` after the session before `date` and after `date`: log price, log shares (both
    /// before any split) and the actions' factors.
    static func modelStep(
        _ stock: Int, on date: SessionDate
    ) throws -> (logPrice: Double, logShares: Double, factors: SimFactors, previous: (Double, Double, SimFactors)) {
        let universe = market.universe
        let index = try #require(universe.schedule.index(of: date))
        var cursor = SimCursor(universe: universe, index: index - 1)
        _ = cursor.step()
        let previous = try (
            #require(cursor.logPrice(stock)), #require(cursor.logSharesOutstanding(stock)),
            #require(cursor.actionFactors(stock))
        )
        _ = cursor.step()
        return try (
            #require(cursor.logPrice(stock)), #require(cursor.logSharesOutstanding(stock)),
            #require(cursor.actionFactors(stock)), previous
        )
    }

    @Test("over 200 stocks and ten years there are forward splits, a reverse split and special dividends")
    func actionsOccur() {
        var forward = 0
        var reverse = 0
        var special = 0
        var stockDays = 0
        for session in Self.decade {
            stockDays += session.stocks.count
            for action in session.actions {
                switch (action.knownKind, action.value) {
                case (.split, let ratio?) where ratio > 1: forward += 1
                case (.split, let ratio?) where ratio < 1: reverse += 1
                case (.specialDividend, _): special += 1
                default: break
                }
            }
        }
        let stockYears = Double(stockDays) / 252
        // About one forward split per stock every eight to ten years; reverse splits and specials are rare.
        #expect((stockYears / 14...stockYears / 6).contains(Double(forward)), "\(forward) in \(stockYears) stock-years")
        #expect(reverse >= 1 && reverse < forward / 3, "\(reverse) reverse splits")
        #expect(special >= 1 && Double(special) < stockYears / 50, "\(special) special dividends")
    }

    @Test("every action is of a known kind with a valid value, on a session where its stock is listed")
    func actionsAreValid() {
        for session in Self.decade {
            let listed = Set(session.stocks.map(\.ticker))
            for action in session.actions {
                #expect(action.date == session.date)
                #expect(listed.contains(action.ticker), "\(action.ticker) \(action.date) not listed")
                let value = action.value ?? -1
                switch action.knownKind {
                case .split: #expect(SimModel.splitRatios.dropFirst().contains(value), "ratio \(value)")
                case .cashDividend, .specialDividend: #expect(value >= 0.01 && value.isFinite)
                case nil: Issue.record("unknown kind \(action.kind)")
                }
            }
        }
    }

    @Test("on a split's ex-date the close is on the new basis and the market cap is continuous")
    func splitExDate() throws {
        var checked = Set<Double>()
        for session in Self.decade {
            for split in session.actions where split.knownKind == .split {
                let ratio = try #require(split.value)
                guard let index = Self.market.universe.schedule.index(of: session.date),
                    let before = Self.byDate[Self.market.universe.schedule.sessions[index - 1]],
                    let old = Self.validRow(split.ticker, in: before),
                    let new = Self.validRow(split.ticker, in: session),
                    let oldClose = old.close, let newClose = new.close, oldClose > 1, newClose > 1
                else { continue }
                let stock = try #require(Self.market.universe.position(of: split.ticker))
                let model = try Self.modelStep(stock, on: session.date)
                let (oldLogPrice, oldLogShares, oldFactors) = model.previous
                // The model's move of the day, and the day's dividends if one falls on the same date.
                let move = exp(model.logPrice - oldLogPrice + model.factors.logDividend - oldFactors.logDividend)
                let tolerance = 0.006 / newClose + 0.006 / oldClose
                #expect(
                    abs(newClose * ratio / oldClose / move - 1) < tolerance,
                    "\(split.ticker) \(session.date) x\(ratio): \(oldClose) -> \(newClose), model move \(move)")
                let capMove = exp(log(move) + model.logShares - oldLogShares)
                #expect(
                    abs(Self.marketCap(new) / Self.marketCap(old) / capMove - 1) < tolerance + 1e-6,
                    "\(split.ticker) \(session.date): cap \(Self.marketCap(old)) -> \(Self.marketCap(new))")
                checked.insert(ratio)
            }
        }
        #expect(checked.contains(2) && checked.contains { $0 < 1 }, "ratios checked: \(checked)")
    }

    @Test("a payer has one cash dividend every quarter it is listed, a non-payer never has one")
    func quarterlyDividends() throws {
        let universe = Self.market.universe
        var payers = 0
        var others = 0
        var dividends: [String: [Int: Int]] = [:]
        for session in Self.decade {
            for action in session.actions where action.knownKind == .cashDividend {
                let (year, month, _) = action.date.civil
                dividends[action.ticker, default: [:]][year * 4 + (month - 1) / 3, default: 0] += 1
            }
        }
        let first = try #require(universe.schedule.index(of: Self.decade[0].date))
        let last = try #require(universe.schedule.index(of: Self.decade[Self.decade.count - 1].date))
        for stock in 0..<universe.count where universe.isListed(stock, at: first) && universe.isListed(stock, at: last)
        {
            let quarters = dividends[universe.tickers[stock]] ?? [:]
            if universe.dividendYield[stock] > 0 {
                payers += 1
                #expect(quarters.count == 40 && quarters.values.allSatisfy { $0 == 1 }, "\(universe.tickers[stock])")
            } else {
                others += 1
                #expect(quarters.isEmpty, "\(universe.tickers[stock]) pays \(quarters.count) times")
            }
        }
        #expect(payers > 20 && others > 20)
        let share = Double(payers) / Double(payers + others)
        #expect((0.25...0.55).contains(share), "payers: \(share)")
    }

    @Test("on a dividend's ex-date the price drops by the amount and the total return is the model's")
    func dividendExDate() throws {
        var checked = 0
        for session in Self.decade.prefix(800) {
            for dividend in session.actions where dividend.knownKind == .cashDividend {
                let amount = try #require(dividend.value)
                guard !session.actions.contains(where: { $0.ticker == dividend.ticker && $0.kind != dividend.kind }),
                    let index = Self.market.universe.schedule.index(of: session.date),
                    let before = Self.byDate[Self.market.universe.schedule.sessions[index - 1]],
                    let old = Self.validRow(dividend.ticker, in: before),
                    let new = Self.validRow(dividend.ticker, in: session),
                    let oldClose = old.close, let newClose = new.close, oldClose > 5
                else { continue }
                let stock = try #require(Self.market.universe.position(of: dividend.ticker))
                let model = try Self.modelStep(stock, on: session.date)
                let move = exp(model.logPrice - model.previous.0)
                let yield = amount / (newClose + amount)
                #expect(
                    (0.002...0.0115).contains(yield), "\(dividend.ticker) \(session.date): \(amount) on \(newClose)")
                #expect(
                    // Three roundings to the cent: both closes and the amount.
                    abs((newClose + amount) / oldClose / move - 1) < 0.0105 / newClose + 0.0055 / oldClose,
                    "\(dividend.ticker) \(session.date): \(oldClose) -> \(newClose) + \(amount), model move \(move)")
                checked += 1
            }
        }
        #expect(checked > 100)
    }

    @Test("a session's actions are the same generated alone, by a range and by the provider's cursor")
    func actionsDeterministic() async throws {
        let withActions = Self.decade.filter { !$0.actions.isEmpty }
        #expect(withActions.count > 300)
        for session in withActions.prefix(40) + withActions.suffix(40) {
            let alone = try #require(Self.market.session(on: session.date))
            #expect(alone.actions == session.actions, "\(session.date)")
            #expect(sameBits(alone.rows, session.rows), "\(session.date)")
        }
        let provider = SimulatedProvider(market: Self.market)
        let twin = SimulatedMarket(tickers: 200, seed: 11)
        for session in Self.decade[500..<760] {
            let served = try #require(try await provider.session(session.date))
            #expect(served.actions == session.actions && sameBits(served.rows, session.rows), "\(session.date)")
        }
        let again = Array(twin.sessions(from: day("2012-01-01"), to: day("2012-12-31")))
        #expect(again.map(\.actions) == Self.decade.filter { $0.date.year == 2012 }.map(\.actions))
    }

    @Test("a range generated on its own equals the same range cut out of a longer one")
    func rangeEqualsSlice() {
        let start = day("2013-05-20")
        let end = day("2015-02-10")
        let alone = Array(Self.market.sessions(from: start, to: end))
        let slice = Self.decade.filter { $0.date >= start && $0.date <= end }
        #expect(alone.count == slice.count && alone.count > 400)
        #expect(alone.flatMap(\.actions).count > 40)
        for (lhs, rhs) in zip(alone, slice) {
            #expect(lhs.date == rhs.date && lhs.actions == rhs.actions && sameBits(lhs.rows, rhs.rows), "\(lhs.date)")
        }
    }
}
