import Contracts
import Foundation
import Methodology
import Pipeline
import TradingCalendar

extension PipelineClient {
    /// One line about the stored index over a range, for the end of a run.
    func summary(_ range: DateRange) async throws -> String {
        let points = try await storage.ask(PerformanceQuery(index: index, range: range)).points
        let analytics = RangeAnalytics(points: points)
        guard let first = points.first, let last = points.last, let total = analytics.totalReturn else {
            return "no index session in \(range.start)...\(range.end)"
        }
        return
            "\(points.count) index sessions \(first.date)...\(last.date); level \(String(format: "%.4f", last.level)) on "
            + "\(last.date); return over the range \(String(format: "%.4f", total * 100)) %"
    }
}
