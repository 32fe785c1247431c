import TradingCalendar

/// Every subject of the system, built in one place: `<domain>.<event>.<key>`. No service spells a subject.
package enum Subjects {
    /// The default index: equal-weighted top 100.
    package static let defaultIndex = "ew100"

    /// Raw price batches from a provider, by session.
    package static func pricesRaw(_ date: SessionDate) -> String { "prices.raw.\(date)" }
    /// Validated price batches, by session.
    package static func pricesValid(_ date: SessionDate) -> String { "prices.valid.\(date)" }
    /// Rejected rows with their reasons, by session.
    package static func pricesRejected(_ date: SessionDate) -> String { "prices.rejected.\(date)" }
    /// An index level and composition computed for a session.
    package static func indexComputed(_ index: String, _ date: SessionDate) -> String {
        "index.computed.\(index).\(date)"
    }
    /// The constituents added and removed at a session.
    package static func compositionChanged(_ index: String, _ date: SessionDate) -> String {
        "composition.changed.\(index).\(date)"
    }
    /// A request to replay (back-fill or rebuild) a range.
    package static func replayRequested(_ replayID: String) -> String { "replay.requested.\(replayID)" }
    /// Storage committed index data (results, retractions, compositions or changes) of an index: caches of query
    /// answers are stale from here on. Core NATS, published after the commit.
    package static func indexStored(_ index: String) -> String { "index.stored.\(index)" }
    /// The latest state of a build job (`POST /build-index`), one subject per job.
    package static func jobState(_ jobID: String) -> String { "jobs.state.\(jobID)" }
    /// A storage query of this kind (request/reply, not a stream).
    package static func storageQuery(_ kind: StorageQueryKind) -> String { "storage.query.\(kind.rawValue)" }
    /// A liveness ping answered by every service (request/reply).
    package static func healthPing(_ service: String) -> String { "health.ping.\(service)" }
    /// Where a message that cannot be handled goes, with its reason.
    package static func deadLetter(_ subject: String) -> String { "dlq.\(subject)" }

    /// Wildcards of each stream.
    package enum Wildcard {
        /// All raw price batches.
        package static let pricesRaw = "prices.raw.>"
        /// All validated price batches.
        package static let pricesValid = "prices.valid.>"
        /// All rejections.
        package static let pricesRejected = "prices.rejected.>"
        /// All index results.
        package static let indexComputed = "index.computed.>"
        /// All composition changes.
        package static let compositionChanged = "composition.changed.>"
        /// Every index event: computed results and storage's commits.
        package static let indexEvents = "index.>"
        /// Every index stored notification.
        package static let indexStored = "index.stored.>"
        /// All job states.
        package static let jobStates = "jobs.state.>"
        /// All replay requests.
        package static let replayRequested = "replay.requested.>"
        /// All dead letters.
        package static let deadLetters = "dlq.>"
    }

    /// The session date that ends a pipeline subject (`prices.raw.2024-01-02` gives 2024-01-02).
    package static func sessionDate(of subject: String) -> SessionDate? {
        guard let last = subject.split(separator: ".").last else { return nil }
        return SessionDate(last)
    }
}

/// The kinds of storage query, each answered on `storage.query.<kind>`.
package enum StorageQueryKind: String, Sendable, CaseIterable, Codable {
    /// Index levels and returns over a range.
    case performance
    /// The constituents on (or before) a date.
    case composition
    /// Sessions with composition changes over a range.
    case changes
    /// The stored sessions over a range, with their row counts.
    case sessions
    /// One session's stored valid rows.
    case sessionPrices = "session-prices"
    /// Stored valid closes over a range.
    case priceHistory = "price-history"
    /// One stored index result.
    case indexResult = "index-result"
    /// The last stored session per stage.
    case status
    /// One stored session as a raw batch again, to re-publish it on replay.
    case storedBatch = "stored-batch"
    /// An online backup of the database to a file.
    case backup
}
