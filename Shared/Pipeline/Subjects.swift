import Contracts
import TradingCalendar

/// Every subject of the system, built in one place: `<domain>.<event>.<key>`. No service spells or parses a subject:
/// the pipeline layer maps messages to subjects (``PipelineMessage``) and subjects back to what they name
/// (``DeadLetter``).
package enum Subjects {
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
    /// The name announced with ``indexStored(_:)`` when storage commits price batches (their corporate actions and
    /// session records change what the API answers); no index id can take it (ids start with a letter).
    package static let storedPrices = "_prices"
    /// The name announced with ``indexStored(_:)`` when storage adds or removes an index definition (together with
    /// the definition's id): the index-builder computes the new one, caches forget the old answers.
    package static let storedDefinitions = "_definitions"
    /// The latest state of a build job (`POST /build-index`), one subject per job.
    package static func jobState(_ jobID: String) -> String { "jobs.state.\(jobID)" }
    /// A storage request of this kind (request/reply, not a stream): `storage.query.<kind>` for queries,
    /// `storage.command.<kind>` for commands.
    package static func storageRequest(_ kind: StorageRequestKind) -> String {
        "storage.\(kind.isCommand ? "command" : "query").\(kind.rawValue)"
    }
    /// A liveness ping answered by every service (request/reply).
    package static func healthPing(_ service: String) -> String { "health.ping.\(service)" }

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
        /// All job states.
        package static let jobStates = "jobs.state.>"
        /// All replay requests.
        package static let replayRequested = "replay.requested.>"
        /// All dead letters.
        package static let deadLetters = "dlq.>"
    }

    /// What a pipeline subject names: its session date (the last token of `prices.*`, `index.computed.*` and
    /// `composition.changed.*` subjects) and its replay id (`replay.requested.<id>`).
    static func address(of subject: String) -> (date: SessionDate?, replayID: String?) {
        let tokens = subject.split(separator: ".", omittingEmptySubsequences: false)
        if tokens.count == 3, tokens[0] == "replay", tokens[1] == "requested" { return (nil, String(tokens[2])) }
        let isSessionSubject =
            (tokens.count == 3 && tokens[0] == "prices")
            || (tokens.count == 4 && tokens[0] == "index" && tokens[1] == "computed")
            || (tokens.count == 4 && tokens[0] == "composition" && tokens[1] == "changed")
        guard isSessionSubject, let last = tokens.last else { return (nil, nil) }
        return (SessionDate(last), nil)
    }
}
