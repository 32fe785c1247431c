import Foundation
import TradingCalendar

/// A build job (`POST /build-index`): a replay of a range and how far the pipeline has got with it. Every state
/// change is saved; the latest saved state is the job.
package struct JobRecord: KindedMessage, Equatable {
    package static let kind = MessageKind.job

    /// Where a job is.
    package enum Status: String, Codable, Sendable, CaseIterable {
        /// Accepted; the replay request is published but no session of it is stored yet.
        case queued
        /// Sessions are being fetched, validated, computed and stored.
        case running
        /// Every session of the range is computed and stored.
        case succeeded
        /// A message of the job was dead-lettered, or it made no progress for too long.
        case failed
        /// Cancelled (`DELETE /jobs/{id}`): no further session of it is fetched; sessions already stored stay.
        case cancelled

        /// Whether the job can still change.
        package var isFinal: Bool { self == .succeeded || self == .failed || self == .cancelled }
    }

    /// The job id, also the replay id of its request.
    package var id: String
    /// The index.
    package var index: String
    /// Where it is.
    package var status: Status
    /// First date asked for.
    package var startDate: SessionDate
    /// Last date asked for.
    package var endDate: SessionDate
    /// The range replayed (grown to meet the stored series, so no gap is left).
    package var replayStart: SessionDate
    /// Last date replayed.
    package var replayEnd: SessionDate
    /// NYSE sessions in the replayed range.
    package var sessionsTotal: Int
    /// Of those, sessions computed and stored.
    package var sessionsDone: Int
    /// Whether stored sessions are fetched again.
    package var refetch: Bool
    /// When it was accepted.
    package var createdAt: Date
    /// When it last changed.
    package var updatedAt: Date
    /// Why it failed.
    package var error: String?
    /// What the job does; nil (as in every job recorded before definitions existed) is ``Kind/build``.
    package var kind: Kind?

    /// What a job does.
    package enum Kind: String, Codable, Sendable {
        /// `POST /build-index`: a replay of a range through the pipeline, followed by the API.
        case build
        /// `POST /indexes`: the history of a new definition computed by the index-builder from stored prices and
        /// actions, which publishes the job's states itself.
        case definition
    }

    /// Whether the index-builder (not a replay) drives the job.
    package var isDefinitionBuild: Bool { kind == .definition }

    /// A job record.
    package init(
        id: String, index: String, status: Status, startDate: SessionDate, endDate: SessionDate,
        replayStart: SessionDate, replayEnd: SessionDate, sessionsTotal: Int, sessionsDone: Int, refetch: Bool,
        createdAt: Date, updatedAt: Date, error: String? = nil, kind: Kind? = nil
    ) {
        self.kind = kind
        self.id = id
        self.index = index
        self.status = status
        self.startDate = startDate
        self.endDate = endDate
        self.replayStart = replayStart
        self.replayEnd = replayEnd
        self.sessionsTotal = sessionsTotal
        self.sessionsDone = sessionsDone
        self.refetch = refetch
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.error = error
    }
}
