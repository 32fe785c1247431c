import NATSClient

/// The names of the pipeline's streams.
package enum StreamName {
    /// Raw price batches.
    package static let pricesRaw = "PRICES_RAW"
    /// Validated price batches.
    package static let pricesValid = "PRICES_VALID"
    /// Rejected rows.
    package static let pricesRejected = "PRICES_REJECTED"
    /// Index results.
    package static let index = "INDEX"
    /// Composition changes.
    package static let composition = "COMPOSITION"
    /// Replay requests.
    package static let replay = "REPLAY"
    /// Dead letters.
    package static let deadLetters = "DLQ"
    /// Build jobs' states, the latest per job subject.
    package static let jobs = "JOBS"
    /// JetStream's max-deliveries advisories, kept so no dead letter is missed while a watcher is down.
    package static let advisories = "ADVISORIES"
}

/// The names of the pipeline's durable consumers.
package enum ConsumerName {
    /// validator reads raw prices.
    package static let validator = "validator"
    /// index-builder reads validated prices.
    package static let indexBuilder = "index-builder"
    /// storage reads validated prices.
    package static let storagePrices = "storage-prices"
    /// storage reads rejections.
    package static let storageRejections = "storage-rejections"
    /// change-detector reads index results.
    package static let changeDetector = "change-detector"
    /// storage reads index results.
    package static let storageIndex = "storage-index"
    /// storage reads composition changes.
    package static let storageComposition = "storage-composition"
    /// fetcher reads replay requests.
    package static let fetcherReplay = "fetcher-replay"
    /// storage watches max-deliveries advisories and dead-letters what they name.
    package static let deadLetterWatcher = "dead-letter-watcher"
}

extension Topology {
    /// The consumers of the pipeline's stages (not the fetcher's replay requests, not the dead-letter watcher): when
    /// none has anything pending or unacknowledged, the pipeline has drained.
    package var stageConsumers: [ConsumerSpec] {
        consumers.filter { $0.durable != ConsumerName.fetcherReplay && $0.durable != ConsumerName.deadLetterWatcher }
    }

    /// The one topology of the pipeline: every stream, subject and consumer, ensured by every service at start-up.
    package static let pipeline = Topology(
        streams: [
            StreamSpec(
                name: StreamName.pricesRaw, subjects: [Subjects.Wildcard.pricesRaw], retention: .limits,
                maxAge: .seconds(7 * 86_400), duplicateWindow: .seconds(600),
                description: "price batches as providers deliver them, one message (or chunk) per session"
            ),
            StreamSpec(
                name: StreamName.pricesValid, subjects: [Subjects.Wildcard.pricesValid], retention: .limits,
                maxAge: .seconds(7 * 86_400), duplicateWindow: .seconds(600),
                description: "validated price rows with their flags"
            ),
            StreamSpec(
                name: StreamName.pricesRejected, subjects: [Subjects.Wildcard.pricesRejected], retention: .limits,
                maxAge: .seconds(7 * 86_400), duplicateWindow: .seconds(600),
                description: "rejected price rows with their reasons"
            ),
            StreamSpec(
                name: StreamName.index, subjects: [Subjects.Wildcard.indexComputed], retention: .limits,
                maxAge: .seconds(7 * 86_400), duplicateWindow: .seconds(600),
                description: "index level, return and composition per session"
            ),
            StreamSpec(
                name: StreamName.composition, subjects: [Subjects.Wildcard.compositionChanged],
                retention: .limits, maxAge: .seconds(7 * 86_400), duplicateWindow: .seconds(600),
                description: "constituents added and removed per session"
            ),
            StreamSpec(
                name: StreamName.replay, subjects: [Subjects.Wildcard.replayRequested], retention: .workQueue,
                maxAge: .seconds(7 * 86_400), duplicateWindow: .seconds(600),
                description: "back-fill and rebuild requests"
            ),
            StreamSpec(
                name: StreamName.deadLetters, subjects: [Subjects.Wildcard.deadLetters], retention: .limits,
                maxAge: .seconds(30 * 86_400), duplicateWindow: .seconds(3600),
                description: "messages no consumer could handle, with the reason in Dlq-Reason"
            ),
            StreamSpec(
                name: StreamName.jobs, subjects: [Subjects.Wildcard.jobStates], retention: .limits,
                maxAge: .seconds(30 * 86_400), duplicateWindow: .seconds(60),
                description: "build jobs (POST /build-index): every state change, read back by the job's subject"
            ),
            StreamSpec(
                name: StreamName.advisories, subjects: [DeadLetters.maxDeliveriesAdvisories], retention: .workQueue,
                maxAge: .seconds(30 * 86_400),
                description: "max-deliveries advisories, turned into dead letters by storage"
            ),
        ],
        consumers: [
            ConsumerSpec(
                stream: StreamName.pricesRaw, durable: ConsumerName.validator,
                filterSubject: Subjects.Wildcard.pricesRaw,
                description: "validator: raw batches to valid rows and rejections"
            ),
            ConsumerSpec(
                stream: StreamName.pricesValid, durable: ConsumerName.indexBuilder,
                filterSubject: Subjects.Wildcard.pricesValid, maxAckPending: 256,
                description: "index-builder: valid rows to index results, in session order"
            ),
            ConsumerSpec(
                stream: StreamName.pricesValid, durable: ConsumerName.storagePrices,
                filterSubject: Subjects.Wildcard.pricesValid, maxAckPending: 256,
                description: "storage: valid rows to the prices table"
            ),
            ConsumerSpec(
                stream: StreamName.pricesRejected, durable: ConsumerName.storageRejections,
                filterSubject: Subjects.Wildcard.pricesRejected, maxAckPending: 256,
                description: "storage: rejections with their reasons"
            ),
            ConsumerSpec(
                stream: StreamName.index, durable: ConsumerName.changeDetector,
                filterSubject: Subjects.Wildcard.indexComputed, maxAckPending: 256,
                description: "change-detector: index results to composition changes"
            ),
            ConsumerSpec(
                stream: StreamName.index, durable: ConsumerName.storageIndex,
                filterSubject: Subjects.Wildcard.indexComputed, maxAckPending: 256,
                description: "storage: index levels and compositions"
            ),
            ConsumerSpec(
                stream: StreamName.composition, durable: ConsumerName.storageComposition,
                filterSubject: Subjects.Wildcard.compositionChanged, maxAckPending: 256,
                description: "storage: composition changes"
            ),
            ConsumerSpec(
                stream: StreamName.replay, durable: ConsumerName.fetcherReplay,
                filterSubject: Subjects.Wildcard.replayRequested, ackWait: .seconds(15), maxDeliver: 10,
                description: "fetcher: replay requests"
            ),
            ConsumerSpec(
                stream: StreamName.advisories, durable: ConsumerName.deadLetterWatcher,
                filterSubject: DeadLetters.maxDeliveriesAdvisories, maxDeliver: 10,
                description: "storage: dead-letters messages whose deliveries ran out"
            ),
        ]
    )
}
