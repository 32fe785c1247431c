import Contracts
import TradingCalendar

/// What to publish after a session's prices arrived.
package struct BuildPlan: Sendable, Equatable {
    /// The results to publish, in date order: every one differs from what is stored; retractions delete.
    package var results: [IndexResult]
    /// How the build ended.
    package var status: BuildStatus
    /// The first unknown NYSE session after the arrived one at which computing forward stopped while later sessions
    /// are known: their stored results may be out of date until this session arrives.
    package var blockedBy: SessionDate?

    /// A plan.
    package init(results: [IndexResult] = [], status: BuildStatus, blockedBy: SessionDate? = nil) {
        self.results = results
        self.status = status
        self.blockedBy = blockedBy
    }
}
