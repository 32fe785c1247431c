import Contracts
import TradingCalendar

/// What the API reads of the stored index: the seam between the routes and storage, faked in route tests.
package protocol IndexReader: Sendable {
    /// Levels and daily returns of the index sessions in `range`.
    func performance(index: String, range: DateRange) async throws -> [PerformancePoint]
    /// The constituents at the latest index session on or before `date` (that session, or nil when none).
    func composition(index: String, date: SessionDate) async throws -> CompositionReply
    /// The composition of every index session in `range`, in date order (one storage request for the range).
    func compositions(index: String, range: DateRange) async throws -> [SessionComposition]
    /// The composition events of the sessions in `range`.
    func changes(index: String, range: DateRange) async throws -> [CompositionEvent]
    /// The stored session records of `range`.
    func sessions(index: String, range: DateRange) async throws -> [SessionRecord]
    /// The stored corporate actions dated in `range` (only `ticker`'s when given), accepted and rejected.
    func corporateActions(range: DateRange, ticker: String?) async throws -> [ValidatedAction]
    /// The index definitions (only `id`'s when given), built-in first, with their stored sessions.
    func definitions(id: String?) async throws -> [StoredDefinition]
    /// Asks storage to keep an added definition built by job `jobID`.
    func define(_ definition: IndexDefinition, jobID: String) async throws -> DefineIndexReply
    /// Asks storage to remove an added definition and its results.
    func removeIndex(_ id: String) async throws -> RemoveIndexReply.Outcome
    /// Whether storage answers now (readiness).
    func isReachable() async -> Bool
}
