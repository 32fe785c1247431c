import Contracts
import Foundation
import Methodology
import TradingCalendar

/// `GET /index-performance`: levels, returns and the cumulative return from the first session of the range.
package struct PerformanceBody: Encodable {
    struct Point: Encodable {
        var date: SessionDate
        var level: Double
        var dailyReturn: Double
        var cumulativeReturn: Double

        enum CodingKeys: String, CodingKey {
            case date, level
            case dailyReturn = "daily_return"
            case cumulativeReturn = "cumulative_return"
        }
    }

    struct Session: Encodable {
        var date: SessionDate
        var dailyReturn: Double

        enum CodingKeys: String, CodingKey {
            case date
            case dailyReturn = "daily_return"
        }
    }

    struct Benchmark: Encodable {
        var index: String
        var beta: Double?
        var trackingError: Double?
        var informationRatio: Double?
        var correlation: Double?

        enum CodingKeys: String, CodingKey {
            case index, beta
            case trackingError = "tracking_error"
            case informationRatio = "information_ratio"
            case correlation
        }

        init(_ analytics: BenchmarkAnalytics) {
            index = analytics.index
            beta = analytics.beta
            trackingError = analytics.trackingError
            informationRatio = analytics.informationRatio
            correlation = analytics.correlation
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(beta, forKey: .beta)
            try container.encode(trackingError, forKey: .trackingError)
            try container.encode(informationRatio, forKey: .informationRatio)
            try container.encode(correlation, forKey: .correlation)
        }
    }

    struct Summary: Encodable {
        var sessions: Int
        var startDate: SessionDate?
        var endDate: SessionDate?
        var totalReturn: Double?
        var annualizedReturn: Double?
        var annualizedVolatility: Double?
        var sharpe: Double?
        var sortino: Double?
        var maxDrawdown: Double?
        var turnover: Double?
        var turnoverPerRebalance: Double?
        var riskFreeRate: Double
        var bestSession: Session?
        var worstSession: Session?
        var benchmark: Benchmark?

        enum CodingKeys: String, CodingKey {
            case sessions
            case startDate = "start_date"
            case endDate = "end_date"
            case totalReturn = "total_return"
            case annualizedReturn = "annualized_return"
            case annualizedVolatility = "annualized_volatility"
            case sharpe, sortino
            case maxDrawdown = "max_drawdown"
            case turnover
            case turnoverPerRebalance = "turnover_per_rebalance"
            case riskFreeRate = "risk_free_rate"
            case bestSession = "best_session"
            case worstSession = "worst_session"
            case benchmark
        }

        // Statistics that the range cannot give are explicit nulls; so is the benchmark when none was asked for.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(sessions, forKey: .sessions)
            try container.encode(startDate, forKey: .startDate)
            try container.encode(endDate, forKey: .endDate)
            try container.encode(totalReturn, forKey: .totalReturn)
            try container.encode(annualizedReturn, forKey: .annualizedReturn)
            try container.encode(annualizedVolatility, forKey: .annualizedVolatility)
            try container.encode(sharpe, forKey: .sharpe)
            try container.encode(sortino, forKey: .sortino)
            try container.encode(maxDrawdown, forKey: .maxDrawdown)
            try container.encode(turnover, forKey: .turnover)
            try container.encode(turnoverPerRebalance, forKey: .turnoverPerRebalance)
            try container.encode(riskFreeRate, forKey: .riskFreeRate)
            try container.encode(bestSession, forKey: .bestSession)
            try container.encode(worstSession, forKey: .worstSession)
            try container.encode(benchmark, forKey: .benchmark)
        }
    }

    var performance: [Point]
    var summary: Summary

    init(points: [PerformancePoint]) {
        self.init(points: points, analytics: RangeAnalytics(points: points))
    }

    /// The points of a range with their analytics (computed by ``RangeAnalytics``, as everywhere else) and, when
    /// asked for, the comparison with a benchmark.
    package init(points: [PerformancePoint], analytics: RangeAnalytics, benchmark: BenchmarkAnalytics? = nil) {
        performance = points.map {
            Point(
                date: $0.date, level: $0.level, dailyReturn: $0.dailyReturn,
                cumulativeReturn: analytics.cumulativeReturn(level: $0.level)
            )
        }
        summary = Summary(
            sessions: analytics.sessions, startDate: analytics.startDate, endDate: analytics.endDate,
            totalReturn: analytics.totalReturn, annualizedReturn: analytics.annualizedReturn,
            annualizedVolatility: analytics.annualizedVolatility, sharpe: analytics.sharpe, sortino: analytics.sortino,
            maxDrawdown: analytics.maxDrawdown, turnover: analytics.turnover,
            turnoverPerRebalance: analytics.turnoverPerRebalance, riskFreeRate: analytics.riskFreeRate,
            bestSession: analytics.bestSession.map { Session(date: $0.date, dailyReturn: $0.dailyReturn) },
            worstSession: analytics.worstSession.map { Session(date: $0.date, dailyReturn: $0.dailyReturn) },
            benchmark: benchmark.map(Benchmark.init)
        )
    }
}

/// `GET /index-composition`.
package struct CompositionBody: Encodable {
    struct Member: Encodable {
        var ticker: String
        var name: String?
        var sector: String?
        var rank: Int
        var weight: Double
        var marketCap: Double
        var close: Double

        enum CodingKeys: String, CodingKey {
            case ticker, name, sector, rank, weight
            case marketCap = "market_cap"
            case close
        }

        // Unknown metadata is an explicit null, so every constituent has the same keys.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(ticker, forKey: .ticker)
            try container.encode(name, forKey: .name)
            try container.encode(sector, forKey: .sector)
            try container.encode(rank, forKey: .rank)
            try container.encode(weight, forKey: .weight)
            try container.encode(marketCap, forKey: .marketCap)
            try container.encode(close, forKey: .close)
        }
    }

    var date: SessionDate
    var asOf: SessionDate
    var constituents: [Member]

    enum CodingKeys: String, CodingKey {
        case date
        case asOf = "as_of"
        case constituents
    }

    package init(date: SessionDate, asOf: SessionDate, constituents: [ConstituentDetail]) {
        self.date = date
        self.asOf = asOf
        self.constituents = constituents.map {
            Member(
                ticker: $0.constituent.ticker, name: $0.name, sector: $0.sector, rank: $0.constituent.rank,
                weight: $0.constituent.weight, marketCap: $0.constituent.marketCap, close: $0.constituent.close
            )
        }
    }
}

/// `GET /composition-changes`: sessions with a change only.
struct ChangesBody: Encodable {
    struct Entry: Encodable {
        var ticker: String
        var rank: Int?
        var marketCap: Double?

        enum CodingKeys: String, CodingKey {
            case ticker, rank
            case marketCap = "market_cap"
        }

        // A removed ticker without a valid row has an explicit null rank and market cap.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(ticker, forKey: .ticker)
            try container.encode(rank, forKey: .rank)
            try container.encode(marketCap, forKey: .marketCap)
        }
    }

    struct Change: Encodable {
        var date: SessionDate
        var added: [Entry]
        var removed: [Entry]
        var turnover: Double?

        enum CodingKeys: String, CodingKey {
            case date, added, removed, turnover
        }

        // Null when not known (a session stored before turnover was computed).
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(date, forKey: .date)
            try container.encode(added, forKey: .added)
            try container.encode(removed, forKey: .removed)
            try container.encode(turnover, forKey: .turnover)
        }
    }

    var changes: [Change]

    init(changes: [CompositionEvent]) {
        func entries(_ list: [CompositionChange]) -> [Entry] {
            list.map { Entry(ticker: $0.ticker, rank: $0.rank, marketCap: $0.marketCap) }
        }
        self.changes = changes.filter { !$0.added.isEmpty || !$0.removed.isEmpty }.map {
            Change(date: $0.date, added: entries($0.added), removed: entries($0.removed), turnover: $0.turnover)
        }
    }
}

/// `GET /corporate-actions`: the stored actions with their decisions.
struct ActionsBody: Encodable {
    struct Entry: Encodable {
        var date: SessionDate
        var ticker: String
        var kind: String
        var value: Double?
        var rejection: ActionRejectionReason?

        enum CodingKeys: String, CodingKey {
            case date, ticker, kind, value, rejection
        }

        // Null, not absent, for a missing value and for an accepted action; a non-finite value (rejected) is null.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(date, forKey: .date)
            try container.encode(ticker, forKey: .ticker)
            try container.encode(kind, forKey: .kind)
            try container.encode(value.flatMap { $0.isFinite ? $0 : nil }, forKey: .value)
            try container.encode(rejection, forKey: .rejection)
        }
    }

    var actions: [Entry]

    init(actions: [ValidatedAction]) {
        self.actions = actions.map {
            Entry(
                date: $0.action.date, ticker: $0.action.ticker, kind: $0.action.kind, value: $0.action.value,
                rejection: $0.rejection
            )
        }
    }
}

// The two answers read most write themselves (see ``JSONWritable``), in the order of their `Encodable` forms.

extension PerformanceBody: JSONWritable {
    package func write(to writer: inout JSONWriter) throws {
        try writer.object { writer in
            writer.key(CodingKeys.performance)
            try writer.array(performance) { writer, point in try point.write(to: &writer) }
            writer.key(CodingKeys.summary)
            try summary.write(to: &writer)
        }
    }

    private enum CodingKeys: String, CodingKey {
        case performance, summary
    }
}

extension PerformanceBody.Point: JSONWritable {
    func write(to writer: inout JSONWriter) throws {
        try writer.object { writer in
            writer.key(CodingKeys.date)
            writer.value(date)
            writer.key(CodingKeys.level)
            try writer.value(level)
            writer.key(CodingKeys.dailyReturn)
            try writer.value(dailyReturn)
            writer.key(CodingKeys.cumulativeReturn)
            try writer.value(cumulativeReturn)
        }
    }
}

extension PerformanceBody.Summary: JSONWritable {
    func write(to writer: inout JSONWriter) throws {
        try writer.object { writer in
            writer.key(CodingKeys.sessions)
            writer.value(sessions)
            writer.key(CodingKeys.startDate)
            writer.value(startDate)
            writer.key(CodingKeys.endDate)
            writer.value(endDate)
            try writer.numbers([
                (CodingKeys.totalReturn, totalReturn), (.annualizedReturn, annualizedReturn),
                (.annualizedVolatility, annualizedVolatility), (.sharpe, sharpe), (.sortino, sortino),
                (.maxDrawdown, maxDrawdown), (.turnover, turnover), (.turnoverPerRebalance, turnoverPerRebalance),
                (.riskFreeRate, riskFreeRate),
            ])
            for (key, session) in [(CodingKeys.bestSession, bestSession), (.worstSession, worstSession)] {
                writer.key(key)
                guard let session else {
                    writer.null()
                    continue
                }
                try writer.object { writer in
                    writer.key(PerformanceBody.Session.CodingKeys.date)
                    writer.value(session.date)
                    writer.key(PerformanceBody.Session.CodingKeys.dailyReturn)
                    try writer.value(session.dailyReturn)
                }
            }
            writer.key(CodingKeys.benchmark)
            guard let benchmark else { return writer.null() }
            try writer.object { writer in
                typealias Keys = PerformanceBody.Benchmark.CodingKeys
                writer.key(Keys.index)
                writer.value(benchmark.index)
                try writer.numbers([
                    (Keys.beta, benchmark.beta), (.trackingError, benchmark.trackingError),
                    (.informationRatio, benchmark.informationRatio), (.correlation, benchmark.correlation),
                ])
            }
        }
    }
}

extension CompositionBody: JSONWritable {
    package func write(to writer: inout JSONWriter) throws {
        try writer.object { writer in
            writer.key(CodingKeys.date)
            writer.value(date)
            writer.key(CodingKeys.asOf)
            writer.value(asOf)
            writer.key(CodingKeys.constituents)
            try writer.array(constituents) { writer, member in
                typealias Keys = Member.CodingKeys
                try writer.object { writer in
                    writer.key(Keys.ticker)
                    writer.value(member.ticker)
                    writer.key(Keys.name)
                    writer.value(member.name)
                    writer.key(Keys.sector)
                    writer.value(member.sector)
                    writer.key(Keys.rank)
                    writer.value(member.rank)
                    writer.key(Keys.weight)
                    try writer.value(member.weight)
                    writer.key(Keys.marketCap)
                    try writer.value(member.marketCap)
                    writer.key(Keys.close)
                    try writer.value(member.close)
                }
            }
        }
    }
}
