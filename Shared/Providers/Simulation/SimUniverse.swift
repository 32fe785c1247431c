import Contracts
import Foundation
import TradingCalendar

/// Everything about the simulated market that does not change from day to day: the stocks, their parameters and
/// the factor paths. Built once per market; immutable and shared by reference.
///
/// Arrays are per stock in ticker order (struct of arrays), so the daily loop walks memory linearly. A stock's
/// yearly anchors and split slots are not kept: ``years(_:through:)`` folds them from its parameters when a cursor
/// needs them (a stock and year at a time), which keeps the universe at a few hundred bytes per stock instead of
/// 21 bytes per stock and covered year (6 MB for the benchmark's 5,000 listed stocks).
final class SimUniverse: Sendable {
    /// The seed everything derives from.
    let seed: UInt64
    /// The session tables.
    let schedule: SimSchedule
    /// Tickers, ascending.
    let tickers: [String]
    /// Metadata, in ticker order.
    let infos: [StockInfo]
    /// Session index of each stock's first row (0: listed before the data starts).
    let listIndex: [Int32]
    /// Session index of the first session after delisting (`Int32.max`: never delisted in coverage).
    let delistIndex: [Int32]
    /// Sector index of each stock.
    let sector: [Int]
    /// Market beta.
    let beta: [Double]
    /// Idiosyncratic daily volatility.
    let sigma: [Double]
    /// Daily log drift.
    let drift: [Double]
    /// Median daily turnover.
    let turnover: [Double]
    /// Log shares outstanding at the start of 2000.
    let logShares0: [Double]
    /// Per-row draws below this (out of 2^20) are missing rows.
    let missingLimit: [UInt64]
    /// Per-row draws from `missingLimit` up to this are bad ticks.
    let badLimit: [UInt64]
    /// Key of the daily idiosyncratic shocks.
    let shockKey: [UInt64]
    /// Key of the per-row draws (defects, open/high/low, volume).
    let rowKey: [UInt64]
    /// Key of the quarterly share-count changes.
    let shareKey: [UInt64]
    /// Key of the corporate-action draws.
    let actionKey: [UInt64]
    /// Quarterly dividend yield of each stock; 0 for the stocks that pay none.
    let dividendYield: [Double]
    /// Sessions from a quarter's start to a payer's regular ex-date (before a 0-3 session jitter).
    let dividendOffset: [Int16]
    /// Log price before the first session of the data: the first yearly anchor.
    let firstAnchor: [Double]
    /// Key of the yearly idiosyncratic shocks.
    let yearKey: [UInt64]
    /// Daily idiosyncratic variance, jumps included: scales the yearly shocks.
    let yearVariance: [Double]
    /// Market factor log return of each year.
    let marketYear: [Double]
    /// Sector factor log return of each year: `sectorYear[sector * yearCount + year]`.
    let sectorYear: [Double]
    /// Market factor log return of each session.
    let market: [Double]
    /// Sector factor log return of each session: `sectorReturn[sector * sessionCount + session]`.
    let sectorReturn: [Double]

    /// Builds the universe of `count` stocks for `seed`.
    init(count: Int, seed: UInt64, schedule: SimSchedule = .standard) {
        self.seed = seed
        self.schedule = schedule
        let sessions = schedule.count
        let years = schedule.yearCount

        // MARK: Factors
        let marketKey = SimHash.key(seed, 0x6D61_726B_6574)
        let regimeKey = SimHash.key(seed, 0x7265_6769_6D65)
        var market = [Double](repeating: 0, count: sessions)
        var marketYear = [Double](repeating: 0, count: years)
        for year in 0..<years {
            let regime = exp(SimModel.marketRegimeSpread * SimHash.normal(SimHash.draw(regimeKey, UInt64(year))))
            let volatility = SimModel.marketVolatility * min(max(regime, 0.5), 3)
            var total = 0.0
            for index in schedule.yearStart[year]..<schedule.yearStart[year + 1] {
                let bits = SimHash.draw(marketKey, UInt64(schedule.sessions[index].dayNumber))
                var value = volatility * SimHash.normal(bits)
                if bits & 0x7FF < SimModel.marketJumpThreshold {
                    value += SimModel.marketJumpSize * SimHash.normal(SimHash.mix(bits))
                }
                market[index] = value
                total += value
            }
            marketYear[year] = total
        }
        let sectorCount = SimNames.sectors.count
        var sectorReturn = [Double](repeating: 0, count: sectorCount * sessions)
        var sectorYear = [Double](repeating: 0, count: sectorCount * years)
        for sector in 0..<sectorCount {
            let key = SimHash.key(seed, 0x7365_6374_0000 | UInt64(sector))
            for year in 0..<years {
                var total = 0.0
                for index in schedule.yearStart[year]..<schedule.yearStart[year + 1] {
                    let bits = SimHash.draw(key, UInt64(schedule.sessions[index].dayNumber))
                    let value = SimModel.sectorVolatility * SimHash.normal(bits)
                    sectorReturn[sector * sessions + index] = value
                    total += value
                }
                sectorYear[sector * years + year] = total
            }
        }
        self.market = market
        self.sectorReturn = sectorReturn
        self.marketYear = marketYear
        self.sectorYear = sectorYear

        // MARK: Stocks
        let symbols = SimNames.tickers(count: count, seed: seed)
        let order = symbols.indices.sorted { symbols[$0] < symbols[$1] }
        let meanMarketVariance =
            SimModel.marketVolatility * SimModel.marketVolatility * 1.2
            + Double(SimModel.marketJumpThreshold) / 2048 * SimModel.marketJumpSize * SimModel.marketJumpSize
        let jumpVariance = Double(SimModel.jumpThreshold) / 2048 * SimModel.jumpSize * SimModel.jumpSize
        var tickers: [String] = []
        var infos: [StockInfo] = []
        var listIndex: [Int32] = []
        var delistIndex: [Int32] = []
        var sector: [Int] = []
        var beta: [Double] = []
        var sigma: [Double] = []
        var drift: [Double] = []
        var turnover: [Double] = []
        var logShares0: [Double] = []
        var missingLimit: [UInt64] = []
        var badLimit: [UInt64] = []
        var shockKey: [UInt64] = []
        var rowKey: [UInt64] = []
        var shareKey: [UInt64] = []
        var actionKey: [UInt64] = []
        var dividendYield: [Double] = []
        var dividendOffset: [Int16] = []
        var firstAnchor: [Double] = []
        var yearKey: [UInt64] = []
        var yearVariance: [Double] = []
        for id in order {
            let key = SimHash.key(seed, UInt64(id))
            let draw = { (stream: UInt64) in SimHash.draw(key, stream) }
            let ticker = symbols[id]
            let sectorIndex = SimNames.sector(SimHash.unit(draw(0)))
            let exchange = SimNames.exchange(length: ticker.utf8.count, unit: SimHash.unit(draw(1)))
            let logCap = log(SimModel.medianMarketCap) + SimModel.logMarketCapSpread * SimHash.normal(draw(2))
            let logPrice = min(
                max(log(SimModel.medianPrice) + SimModel.logPriceSpread * SimHash.normal(draw(3)), 0.7), 6.7)
            let stockBeta = min(max(1 + SimModel.betaSpread * SimHash.normal(draw(4)), 0.3), 2)
            let stockSigma = SimModel.idiosyncraticVolatility(log10MarketCap: logCap / log(10))
            let alpha = SimModel.alphaSpread * SimHash.normal(draw(5))
            let idiosyncraticVariance = stockSigma * stockSigma + jumpVariance
            let variance =
                stockBeta * stockBeta * meanMarketVariance
                + SimModel.sectorVolatility * SimModel.sectorVolatility + idiosyncraticVariance
            // Ito: a log drift of mu - sigma^2 / 2 makes the expected simple return mu.
            let dailyDrift = (SimModel.marketReturn + alpha) / SimModel.sessionsPerYear - variance / 2

            let listed: Int32
            if SimHash.unit(draw(7)) < SimModel.preListedShare {
                listed = 0
            } else {
                listed = Int32(1 + Int(SimHash.unit(draw(8)) * Double(sessions - 1)))
            }
            let lifetime = -log(SimHash.unit(draw(9))) / SimModel.delistingHazard * SimModel.sessionsPerYear
            let delisted =
                Double(listed) + max(lifetime, 1) < Double(sessions)
                ? Int32(listed) + Int32(max(lifetime, 1)) : Int32.max

            tickers.append(ticker)
            infos.append(
                StockInfo(
                    ticker: ticker, name: SimNames.companyName(sector: sectorIndex, bits: draw(6)),
                    sector: SimNames.sectors[sectorIndex].name, exchange: exchange))
            listIndex.append(listed)
            delistIndex.append(delisted)
            sector.append(sectorIndex)
            beta.append(stockBeta)
            sigma.append(stockSigma)
            drift.append(dailyDrift)
            turnover.append(SimModel.medianTurnover * exp(0.5 * SimHash.normal(draw(10))))
            logShares0.append(logCap - logPrice)
            let defectScale = logCap / log(10) >= 10.5 ? SimModel.largeCapDefectScale : SimModel.smallCapDefectScale
            let missing = UInt64((Double(SimModel.missingRows) * defectScale).rounded())
            missingLimit.append(missing)
            badLimit.append(missing + UInt64((Double(SimModel.badTicks) * defectScale).rounded()))
            shockKey.append(SimHash.key(key, 0x73_686F_636B))
            rowKey.append(SimHash.key(key, 0x726F_77))
            shareKey.append(SimHash.key(key, 0x7368_6172_6573))

            // The anchors' parameters: see `years(_:through:)`.
            firstAnchor.append(logPrice)
            yearKey.append(SimHash.key(key, 0x7965_6172))
            yearVariance.append(idiosyncraticVariance)

            // Corporate actions: a fixed subset pays quarterly, a little after each quarter's first month.
            let payer = draw(11)
            let detail = SimHash.mix(payer)
            let yield =
                SimHash.unit(payer) < SimModel.dividendPayerShare
                ? SimModel.minimumDividendYield
                    + (SimModel.maximumDividendYield - SimModel.minimumDividendYield) * SimHash.unit16(detail, shift: 0)
                : 0
            let plan = SimActionPlan(
                key: SimHash.key(key, 0x6163_7469_6F6E), dividendYield: yield,
                dividendOffset: 22 + Int(SimHash.unit16(detail, shift: 16) * 20), listIndex: Int(listed),
                delistIndex: Int(delisted))
            actionKey.append(plan.key)
            dividendYield.append(plan.dividendYield)
            dividendOffset.append(Int16(plan.dividendOffset))
        }
        self.tickers = tickers
        self.infos = infos
        self.listIndex = listIndex
        self.delistIndex = delistIndex
        self.sector = sector
        self.beta = beta
        self.sigma = sigma
        self.drift = drift
        self.turnover = turnover
        self.logShares0 = logShares0
        self.missingLimit = missingLimit
        self.badLimit = badLimit
        self.shockKey = shockKey
        self.rowKey = rowKey
        self.shareKey = shareKey
        self.actionKey = actionKey
        self.dividendYield = dividendYield
        self.dividendOffset = dividendOffset
        self.firstAnchor = firstAnchor
        self.yearKey = yearKey
        self.yearVariance = yearVariance
    }

    /// How many stocks there are.
    var count: Int { tickers.count }

    /// Whether stock `stock` has rows on session index `index` (listed, not yet delisted).
    @inline(__always)
    func isListed(_ stock: Int, at index: Int) -> Bool {
        Int(listIndex[stock]) <= index && index < Int(delistIndex[stock])
    }

    /// The position of `ticker` in ticker order, or nil.
    func position(of ticker: String) -> Int? {
        var low = 0
        var high = tickers.count
        while low < high {
            let mid = (low + high) / 2
            if tickers[mid] < ticker { low = mid + 1 } else { high = mid }
        }
        return low < tickers.count && tickers[low] == ticker ? low : nil
    }
}
