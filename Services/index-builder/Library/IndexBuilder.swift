import Contracts
import Foundation
import Logging
import Methodology
import Metrics
import Pipeline
import ServiceLifecycle
import ServiceSupport
import TradingCalendar

/// The `index-builder` service: computes the index session by session from validated prices.
package enum IndexBuilder: PipelineService {
    package static let abstract = "Computes every built-in index from validated prices and actions, session by session."
    package static let name = "index-builder"

    /// The validated-prices consumer and the loop that retries sessions waiting for a missing one.
    package static func parts(_ runtime: ServiceRuntime) async throws -> [any Service] {
        let pipeline = runtime.pipeline
        let stage = BuildStage(
            publisher: pipeline, storage: pipeline.storage, probe: pipeline,
            calculators: IndexDefinition.builtIn(size: runtime.configuration.indexSize).map(IndexCalculator.init),
            logger: runtime.logger, addedDefinitions: true, loadJob: { try await pipeline.latestJob($0) },
            storageReady: { await pipeline.isServing(DefinitionsQuery()) }
        )
        let consumer = StageConsumer<ValidatedBatch>(ConsumerName.indexBuilder, batch: FetchSize.sessions) {
            await stage.handle($0)
        }
        let waiting = TaskService(name: "waiting-sessions") { try await stage.retryWaiting() }
        let definitions = TaskService(name: "definitions") {
            try await stage.followDefinitions(
                notices: try pipeline.notices(Subjects.indexStored(Subjects.storedDefinitions)))
        }
        return [pipeline.runner(consumer, logger: runtime.logger).service, waiting, definitions]
    }
}

/// Builds sessions as their prices arrive, over a view of storage that includes what this process has published
/// and the arrivals it holds, so it never waits for storage to catch up.
///
/// Each index is a lane with its own engine and view; an arrival is built for every lane before it is acknowledged.
/// All lanes know the same sessions, so they wait for the same missing one.
package actor BuildStage {
    private let publisher: any PipelinePublishing
    private let storage: any StorageAsking
    private let probe: any PipelineProbe
    private var engines: [IndexBuildEngine]
    private let logger: Logger
    /// Whether added definitions (storage's `DefinitionsQuery`) are computed next to the given calculators.
    private let addedDefinitions: Bool
    /// A job's latest state (definition jobs are driven from here).
    private let loadJob: @Sendable (String) async throws -> JobRecord?
    /// Whether storage answers definition queries (asked outside the storage client's breaker, which must not
    /// count a storage that is still starting as failures).
    private let storageReady: @Sendable () async -> Bool
    /// The ids of the lanes of added definitions.
    private var addedLanes: Set<String> = []
    /// Failed attempts at an added definition's history, by id; at ``historyAttempts`` its job fails and it is left
    /// alone until the service restarts.
    private var historyFailures: [String: Int] = [:]
    private static let historyAttempts = 5
    private let historyTimer = Timer(label: "index_builder_definition_history_seconds")
    private let calendar = NYSECalendar.standard
    /// One view per engine, in the same order; created on first use.
    private var views: [StorageView]?
    /// The load of `views` under way, which every caller waits for.
    private var viewsLoading: Task<[StorageView], any Error>?
    /// Arrivals that wait for a missing session, by date: acknowledged once a build covers them.
    private var held: [SessionDate: Delivery<ValidatedBatch>] = [:]
    /// The highest stream sequence handled per date: an older redelivery must not undo a newer batch.
    private var latestSequence: [SessionDate: UInt64] = [:]
    /// Whether this process has rebuilt the series since it started (see `handle`).
    private var rebuiltSinceStart = false
    /// A stream's last sequence and each view's mark read just before it (see ``confirmStored()``).
    private typealias Checkpoint = (sequence: UInt64, marks: [(view: StorageView, mark: UInt64)])
    /// Results published since storage's progress was last looked at (see ``confirmStored()``).
    private var publishedSinceCheck = 0
    /// The last sequence of the index stream when each view's publications were counted: once storage's index
    /// consumer has acknowledged through it, storage holds every result the views had published by then.
    /// (The views are held, not identified: a removed view's identifier could be reused by a new one.)
    private var storedCheckpoint: Checkpoint?
    /// The last sequence of the validated-prices stream when each view's arrivals were counted: once storage's prices
    /// consumer has acknowledged through it, storage holds every batch the views had received by then (or a newer
    /// one of its date), with its actions.
    private var pricesCheckpoint: Checkpoint?
    /// Whether ``confirmStored()`` is under way (the actor is re-entered while it waits for the broker).
    private var confirmingStored = false
    /// How many results are published between two looks at storage's progress.
    private static let storedCheckInterval = 32
    private let built = Counter(label: "index_builder_results_published_total")
    private let waitingGauge = Gauge(label: "index_builder_sessions_waiting")

    /// A stage publishing results through `publisher`, reading storage through `storage`.
    package init(
        publisher: any PipelinePublishing, storage: any StorageAsking, probe: any PipelineProbe,
        calculators: [IndexCalculator], logger: Logger, addedDefinitions: Bool = false,
        loadJob: @escaping @Sendable (String) async throws -> JobRecord? = { _ in nil },
        storageReady: @escaping @Sendable () async -> Bool = { true }
    ) {
        self.storageReady = storageReady
        precondition(!calculators.isEmpty, "a build stage computes at least one index")
        self.publisher = publisher
        self.storage = storage
        self.probe = probe
        self.engines = calculators.map { IndexBuildEngine(calculator: $0, calendar: .standard) }
        self.logger = logger
        self.addedDefinitions = addedDefinitions
        self.loadJob = loadJob
    }

    /// The indexes computed now, in lane order.
    package var indexes: [String] { engines.map(\.calculator.index) }

    /// The sessions held until a missing session arrives.
    package var heldSessions: [SessionDate] { held.keys.sorted() }

    /// Handles a fetched batch of validated batches in order.
    package func handle(_ deliveries: [Delivery<ValidatedBatch>]) async -> [MessageOutcome] {
        var outcomes: [MessageOutcome] = []
        for delivery in deliveries { outcomes.append(await delivery.traced("build index") { await handle(delivery) }) }
        return outcomes
    }

    private func handle(_ delivery: Delivery<ValidatedBatch>) async -> MessageOutcome {
        let batch = delivery.message
        let sequence = delivery.control.streamSequence
        if let latest = latestSequence[batch.date], latest > sequence { return .done }
        guard calendar.isSession(batch.date) else { return .done }
        do {
            let view = try await currentViews()[0]
            if let record = await view.storedRecord(batch.date), record.sequence > sequence {
                return .done  // A newer batch of the day is stored; its own message drives the build.
            }
            latestSequence[batch.date] = sequence
            // A redelivery may follow a crash in the middle of publishing a plan, which incremental building cannot
            // see: the first one after a start rebuilds the whole series from stored rows; later ones need not.
            let mode: BuildMode = delivery.control.deliveries > 1 && !rebuiltSinceStart ? .rebuild : .incremental
            if try await build(batch, mode: mode) {
                if mode == .rebuild { rebuiltSinceStart = true }
                return .done
            }
            held[batch.date] = delivery
            waitingGauge.record(held.count)
            return .deferred
        } catch {
            return .failed(error)
        }
    }

    /// Builds `batch`'s session; false when it waits for a missing session.
    private func build(_ batch: ValidatedBatch, mode: BuildMode) async throws -> Bool {
        let views = try await currentViews()
        var plans: [BuildPlan] = []
        for (engine, view) in zip(engines, views) {
            await view.arrived(batch)
            let plan = try await engine.build(
                arrived: batch.date, batchID: batch.batchID, rows: batch.rows,
                actions: batch.actions.compactMap(AcceptedAction.init), stocks: batch.stocks, store: view, mode: mode
            )
            if case .waiting(let missing) = plan.status {
                logger.info(
                    "session waits for a missing one",
                    metadata: ["pipeline.date": "\(batch.date)", "pipeline.missing": "\(missing)"]
                )
                return false
            }
            plans.append(plan)
        }
        for (plan, view) in zip(plans, views) {
            for var result in plan.results {
                result.replay = batch.replay
                try await publisher.publish(result)
                await view.published(result)
                built.increment()
                publishedSinceCheck += 1
            }
            if let blocked = plan.blockedBy {
                logger.info("forward build stopped at a missing session", metadata: ["pipeline.missing": "\(blocked)"])
            }
        }
        try await releaseHeld(coveredBy: plans)
        await confirmStored()
        // Its rows are in storage's hands now; keeping every session's rows would hold the whole back-fill in memory.
        for view in views { await view.forgetRows(of: batch.date) }
        return true
    }

    /// Acknowledges held arrivals that a plan computed; rebuilds the others that can now go ahead.
    private func releaseHeld(coveredBy plans: [BuildPlan]) async throws {
        for date in plans.flatMap(\.results).map(\.date) {
            if let entry = held.removeValue(forKey: date) { try? await entry.control.ack() }
        }
        waitingGauge.record(held.count)
    }

    /// Every second: keeps held messages alive and retries them (the missing session may have arrived).
    package func retryWaiting() async throws {
        var ticks = 0
        while true {
            try await Task.sleep(for: .seconds(1))
            ticks += 1
            for entry in held.values { try? entry.control.inProgress() }
            guard !held.isEmpty, ticks % 2 == 0 else { continue }
            // Storage may know sessions this process has not seen (stored before a restart): look again.
            for view in views ?? [] { try? await view.refreshRecords() }
            for date in held.keys.sorted() {
                guard let entry = held[date] else { continue }
                // In the held message's trace: what this build publishes belongs to its session.
                _ = await entry.traced("build index") {
                    do {
                        if try await build(entry.message, mode: .incremental) {
                            if let done = held.removeValue(forKey: date) { try? await done.control.ack() }
                        }
                        return .done
                    } catch {
                        logger.warning("retrying a waiting session failed", metadata: ["error": "\(error)"])
                        return .failed(error)
                    }
                }
            }
            waitingGauge.record(held.count)
        }
    }

    /// Every ``storedCheckInterval`` results published: lets the views forget the results storage holds (see
    /// ``StorageView/confirm(through:)``), and counts what they have published against the index stream's last
    /// sequence for the next look.
    ///
    /// A result is published (stored by the stream) before its view counts it, so every result counted in a mark has
    /// a sequence at most the stream's last one read after the mark; storage acknowledges an index result once it is
    /// committed (or once a newer result of its date and index is), so an acknowledgement floor at or past that
    /// sequence means storage holds what the view published up to the mark.
    ///
    /// The same for the arrivals' actions: an arrival is delivered from the validated-prices stream before its views
    /// count it, and storage acknowledges a batch once it has stored it (actions with prices, in one transaction), so
    /// a prices consumer's floor at or past the stream's last sequence read after the mark means storage holds the
    /// actions of every arrival counted up to it.
    private func confirmStored() async {
        guard publishedSinceCheck >= Self.storedCheckInterval, !confirmingStored, views != nil else { return }
        confirmingStored = true
        defer { confirmingStored = false }
        publishedSinceCheck = 0
        do {
            try await confirmResults()
        } catch {
            // Nothing is forgotten: the views keep what they published until a later look succeeds.
            logger.debug("storage's index progress could not be read", metadata: ["error": "\(error)"])
        }
        do {
            try await confirmArrivals()
        } catch {
            // Nothing is forgotten: the views keep the arrivals' actions until a later look succeeds.
            logger.debug("storage's prices progress could not be read", metadata: ["error": "\(error)"])
        }
    }

    /// The results part of ``confirmStored()``.
    private func confirmResults() async throws {
        if let checkpoint = storedCheckpoint {
            guard try await confirm(checkpoint, consumer: ConsumerName.storageIndex, { await $0.confirm(through: $1) })
            else { return }
            storedCheckpoint = nil
        }
        storedCheckpoint = try await checkpoint(stream: StreamName.index) { await $0.publicationMark }
    }

    /// The actions part of ``confirmStored()``.
    private func confirmArrivals() async throws {
        if let checkpoint = pricesCheckpoint {
            guard
                try await confirm(
                    checkpoint, consumer: ConsumerName.storagePrices, { await $0.confirmArrivals(through: $1) })
            else { return }
            pricesCheckpoint = nil
        }
        pricesCheckpoint = try await checkpoint(stream: StreamName.pricesValid) { await $0.arrivalMark }
    }

    /// Once `consumer` has acknowledged through `checkpoint`'s sequence, confirms each of its marks to its view (if
    /// the view is still a lane's); false, confirming nothing, before.
    private func confirm(
        _ checkpoint: Checkpoint, consumer: String, _ confirm: (StorageView, UInt64) async -> Void
    ) async throws -> Bool {
        guard try await probe.acknowledgedThrough(consumer: consumer) >= checkpoint.sequence else { return false }
        for (view, mark) in checkpoint.marks where (views ?? []).contains(where: { $0 === view }) {
            await confirm(view, mark)
        }
        return true
    }

    /// Each view's mark now, against `stream`'s last sequence read after them.
    private func checkpoint(stream: String, mark: (StorageView) async -> UInt64) async throws -> Checkpoint {
        var marks: [(view: StorageView, mark: UInt64)] = []
        for view in views ?? [] { marks.append((view, await mark(view))) }
        return (try await probe.lastSequence(stream: stream), marks)
    }

    /// A count per lane's view, in lane order.
    private func perView(_ count: (StorageView) async -> Int) async -> [Int] {
        var counts: [Int] = []
        for view in views ?? [] { counts.append(await count(view)) }
        return counts
    }

    /// How many sessions' actions each lane's view holds in memory, in lane order.
    package var actionDatesInMemory: [Int] {
        get async { await perView { await $0.actionDatesInMemory } }
    }

    /// How many index results each lane's view holds in memory, in lane order.
    package var resultsInMemory: [Int] {
        get async { await perView { await $0.resultsInMemory } }
    }

    private func currentViews() async throws -> [StorageView] {
        if let views { return views }
        // One load at a time. The actor is re-entered while a load waits (an arrival and the definitions' first sync
        // both ask at start): a second load finishing later would replace views that have since learned of an
        // arrival with ones read before storage had it, and the next earlier arrival would become the base.
        if let loading = viewsLoading { return try await loading.value }
        let loading = Task { try await self.loadViews() }
        viewsLoading = loading
        defer { viewsLoading = nil }
        let created = try await loading.value
        views = created
        return created
    }

    /// Reads one view per engine from storage, with the held arrivals.
    private func loadViews() async throws -> [StorageView] {
        // Results this process published before a restart may still be on their way into storage; the engine must
        // not read a stale one, so the first view waits until storage has taken every index result.
        try await waitForStoredResults()
        var created: [StorageView] = []
        for engine in engines {
            created.append(
                try await StorageView.load(
                    storage: storage, index: engine.calculator.index, held: held.values.map(\.message)
                ))
        }
        return created
    }
}

extension BuildStage {
    /// Looks for definitions added or removed (see ``syncDefinitions()``) as soon as `notices` says storage changed
    /// them, and every `interval` in any case (a notice is core NATS: one missed during a reconnect is not lost).
    package func followDefinitions(notices: AsyncStream<Void>? = nil, every interval: Duration = .seconds(2))
        async throws
    {
        guard addedDefinitions else { return }
        while await !storageReady() { try await Task.sleep(for: .milliseconds(500)) }
        let (wakeUps, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let timer = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                wake.yield()
            }
        }
        let relay = Task {
            guard let notices else { return }
            for await _ in notices { wake.yield() }
        }
        defer {
            timer.cancel()
            relay.cancel()
            wake.finish()
        }
        var next = wakeUps.makeAsyncIterator()
        repeat {
            do {
                try await syncDefinitions()
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                logger.warning("following the index definitions failed", metadata: ["error": "\(error)"])
            }
        } while await next.next() != nil
        throw CancellationError()
    }

    /// Follows storage's added definitions: a new one gets its history computed from stored prices and actions in
    /// one pass (its job's states published from here) and then a lane; a removed one loses its lane.
    package func syncDefinitions() async throws {
        _ = try await currentViews()
        let stored = try await storage.ask(DefinitionsQuery()).definitions.filter { !$0.builtIn }
        let storedIDs = Set(stored.map(\.definition.id))
        for id in addedLanes.subtracting(storedIDs) {
            guard let position = engines.firstIndex(where: { $0.calculator.index == id }) else { continue }
            engines.remove(at: position)
            self.views?.remove(at: position)
            addedLanes.remove(id)
            logger.info("definition removed: no longer computed", metadata: ["index": "\(id)"])
        }
        for definition in stored where !addedLanes.contains(definition.definition.id) {
            let id = definition.definition.id
            guard historyFailures[id, default: 0] < Self.historyAttempts else { continue }
            do {
                try await addLane(definition)
                historyFailures[id] = nil
            } catch {
                historyFailures[id, default: 0] += 1
                throw error
            }
        }
    }

    /// Computes an added definition's history, then computes it with every arrival.
    private func addLane(_ stored: StoredDefinition) async throws {
        let id = stored.definition.id
        let engine = IndexBuildEngine(calculator: IndexCalculator(definition: stored.definition), calendar: calendar)
        var job: JobRecord?
        if let jobID = stored.jobID { job = try await loadJob(jobID) }
        // A job still open means its history is not (entirely) stored yet: built in bulk, again after a failed or
        // interrupted attempt (a bulk write replaces what it covers). A finished one (this process restarted) keeps
        // what is stored and goes through the engine, which only computes what is missing or stale.
        let unfinished = job.map { !$0.status.isFinal } ?? false
        job = try await settle(job, .running)
        let started = ContinuousClock.now
        do {
            let view = try await StorageView.load(storage: storage, index: id, held: held.values.map(\.message))
            var computed: Int
            var missing: SessionDate?
            // One pass over storage's rows in bulk, the results stored by commands; nil when the known sessions
            // have a gap, which the engine handles (it waits for the missing session), as it does a history
            // stored before.
            var history: [IndexResult]?
            let hasResults = await view.hasStoredResults
            if unfinished || !hasResults {
                let progressJob = job
                history = try await DefinitionHistory(
                    storage: storage, view: view, calculator: engine.calculator, payloadLimit: publisher.payloadLimit
                ).build { [weak self] done in _ = try? await self?.settle(progressJob, .running, sessions: done) }
            }
            if let history {
                // Stored already: the view learns them as this process's own.
                for result in history { await view.published(result) }
                (computed, missing) = (history.count, nil)
            } else {
                (computed, missing) = try await buildHistory(engine, view: view)
            }
            engines.append(engine)
            views?.append(view)
            addedLanes.insert(id)
            if history != nil {
                // Sessions that arrived while the history was read in bulk were built for the other lanes only:
                // with the lane in place (every later arrival builds it too), sessions storage has stored since the
                // records were read are built through the engine, which computes only what is missing.
                let coverage = NYSECalendar.coverage
                let known = try await view.sessionRecords(from: coverage.lowerBound, to: coverage.upperBound).count
                try await view.refreshRecords()
                if try await view.sessionRecords(from: coverage.lowerBound, to: coverage.upperBound).count > known {
                    (computed, missing) = try await buildHistory(engine, view: view)
                }
            }
            // Storage holds the published results once its index consumer is idle: then the job is done, and the
            // view need not keep them.
            let mark = await view.publicationMark
            try await waitForStoredResults()
            await view.confirm(through: mark)
            historyTimer.record(duration: ContinuousClock.now - started)
            logger.info(
                "definition history computed", metadata: ["index": "\(id)", "index.sessions": "\(computed)"]
            )
            if let missing {
                // The lane computes the rest when the missing session arrives; the job cannot say when.
                _ = try await settle(
                    job, .failed, sessions: computed,
                    error: "the history stops before \(missing), which is not stored; build it (POST /build-index)"
                )
            } else {
                _ = try await settle(job, .succeeded, sessions: computed)
            }
        } catch {
            logger.error("definition history failed", metadata: ["index": "\(id)", "error": "\(error)"])
            if historyFailures[id, default: 0] + 1 >= Self.historyAttempts {
                _ = try? await settle(job, .failed, error: "the history could not be computed: \(error)")
            }
            throw error
        }
    }

    /// Publishes `job` (when there is one and it is not final yet) in `status`, with the sessions done (which raise
    /// its total when more) and the error; the state published.
    private func settle(
        _ job: JobRecord?, _ status: JobRecord.Status, sessions: Int? = nil, error: String? = nil
    ) async throws -> JobRecord? {
        guard var job, !job.status.isFinal else { return job }
        job.status = status
        if let sessions {
            job.sessionsDone = sessions
            job.sessionsTotal = max(job.sessionsTotal, sessions)
        }
        job.error = error
        job.updatedAt = Date()
        try await publisher.publish(job)
        return job
    }

    /// Builds every stored session of a lane from the last known one (incremental: what is stored and current is
    /// kept) and publishes the results; the number of index sessions the lane then has, and the session it waits
    /// for when one is missing. The per-session path, for a lane whose known sessions have a gap (otherwise
    /// ``DefinitionHistory`` builds the history in bulk).
    private func buildHistory(
        _ engine: IndexBuildEngine, view: StorageView
    ) async throws -> (sessions: Int, missing: SessionDate?) {
        let coverage = NYSECalendar.coverage
        let records = try await view.sessionRecords(from: coverage.lowerBound, to: coverage.upperBound)
        guard let last = records.last(where: { calendar.isSession($0.date) }),
            let input = try await view.rows(on: last.date)
        else { return (0, nil) }
        // Every session's actions in one request rather than one per session as the engine walks the series.
        if let first = records.first(where: { calendar.isSession($0.date) }) {
            _ = try await view.actions(after: first.date.adding(days: -1), through: last.date)
        }
        let stocks = engine.calculator.definition.universe.isAll ? [] : try await view.stocks(on: last.date)
        let plan = try await engine.build(
            arrived: last.date, batchID: input.batchID, rows: input.rows,
            actions: try await view.actions(after: last.date.adding(days: -1), through: last.date), stocks: stocks,
            store: view
        )
        for result in plan.results {
            try await publisher.publish(result)
            await view.published(result)
            built.increment()
            publishedSinceCheck += 1
        }
        var missing: SessionDate?
        if case .waiting(let date) = plan.status { missing = date }
        if let blocked = plan.blockedBy { missing = blocked }
        let sessions = try await view.sessionRecords(from: coverage.lowerBound, to: coverage.upperBound)
            .filter { $0.indexBatchID != nil }.count
        return (sessions, missing)
    }

    /// Waits until storage's index consumer has nothing pending and nothing unacknowledged.
    fileprivate func waitForStoredResults() async throws {
        var waited = 0
        while true {
            if try await probe.isIdle(consumer: ConsumerName.storageIndex) { return }
            waited += 1
            if waited % 100 == 1 { logger.info("waiting for storage to store earlier index results") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// Storage as the engine sees it: stored session records and results, overlaid with the arrivals and results of
/// this process (which storage may not have written yet).
actor StorageView: BuildStore {
    private let storage: any StorageAsking
    private let index: String
    private var records: [SessionDate: SessionRecord]
    /// The dates of `records`, ascending; rebuilt only after a date is added (the engine asks for every record on
    /// every build). Invalidated by hand: a `didSet` reading `oldValue` would copy the dictionary on every change.
    private var sortedDates: [SessionDate]?
    /// Results this process published or read from storage, by date: those storage may not hold yet (the dates in
    /// `unconfirmed`), and at most ``confirmedKept`` others (always the latest date's, which the next session builds
    /// on); storage answers for the rest.
    private var results: [SessionDate: IndexResult] = [:]
    /// The dates of the results this process published that storage may not hold yet, each with the number of its
    /// latest publication (`publications` then). A date leaves only once storage holds that publication (see
    /// ``confirm(through:)``): before, storage may answer a result that is stale or missing.
    private var unconfirmed: [SessionDate: UInt64] = [:]
    /// The results published so far through this view.
    private var publications: UInt64 = 0
    /// How many results storage holds already may stay in memory before all but the latest date's are dropped.
    private static let confirmedKept = 8
    /// Dates storage had no result of this index for when their record was read (the record's `indexBatchID` is the
    /// stored result's batch): no need to ask for one, which saves a request per session of a first build.
    private var storedNone: Set<SessionDate> = []
    private var arrivals: [SessionDate: ValidatedBatch] = [:]
    /// The accepted actions of sessions, by date (empty when a session has none): those of the arrivals storage may
    /// not hold yet (the dates in `unconfirmedActions`), and those read from storage since storage's progress was
    /// last confirmed (see ``confirmArrivals(through:)``); storage answers for the rest.
    private var actionsByDate: [SessionDate: [AcceptedAction]] = [:]
    /// The dates of the arrivals whose actions storage may not hold yet, each with the number of its latest arrival
    /// (`arrivalCount` then). A date leaves only once storage holds that arrival's batch: before, storage may answer
    /// actions that are stale (an earlier batch of the day) or missing.
    private var unconfirmedActions: [SessionDate: UInt64] = [:]
    /// The arrivals recorded so far through this view.
    private var arrivalCount: UInt64 = 0
    /// The requests for actions waiting for storage: while one waits, the view forgets no actions (a date that arrived
    /// and was confirmed meanwhile would otherwise take storage's answer, which may predate the arrival).
    private var actionQueries = 0
    /// Every stored stock's metadata, read on first need; arrivals' descriptions replace entries.
    private var allStocks: [StockInfo]?
    private let calendar = NYSECalendar.standard

    private init(storage: any StorageAsking, index: String, records: [SessionDate: SessionRecord]) {
        self.storage = storage
        self.index = index
        self.records = records
        self.storedNone = Set(records.values.filter { $0.indexBatchID == nil }.map(\.date))
    }

    /// Reloads stored records, keeping what this process knows better (its arrivals and its results).
    func refreshRecords() async throws {
        let reply = try await storage.ask(SessionsQuery(index: index, range: .coverage))
        for record in reply.sessions where arrivals[record.date] == nil && records[record.date] == nil {
            records[record.date] = record
            if record.indexBatchID == nil { storedNone.insert(record.date) }
            sortedDates = nil
        }
    }

    /// Loads every stored session record once.
    static func load(storage: any StorageAsking, index: String, held: [ValidatedBatch]) async throws -> StorageView {
        let reply = try await storage.ask(SessionsQuery(index: index, range: .coverage))
        let view = StorageView(
            storage: storage, index: index,
            records: Dictionary(reply.sessions.map { ($0.date, $0) }, uniquingKeysWith: { $1 })
        )
        for batch in held { await view.arrived(batch) }
        return view
    }

    /// The stored record of a date (as loaded), if any.
    func storedRecord(_ date: SessionDate) -> SessionRecord? { records[date] }

    /// Records an arrival: its batch is now the date's current one.
    func arrived(_ batch: ValidatedBatch) {
        arrivals[batch.date] = batch
        if var known = allStocks, !batch.stocks.isEmpty {
            let described = Set(batch.stocks.map(\.ticker))
            known.removeAll { described.contains($0.ticker) }
            allStocks = known + batch.stocks
        }
        actionsByDate[batch.date] = batch.actions.compactMap(AcceptedAction.init)
        arrivalCount += 1
        unconfirmedActions[batch.date] = arrivalCount
        let previous = records[batch.date]
        if previous == nil {
            sortedDates = nil
            // Storage had no session of the date when its records were read, and results come from here only: it
            // holds no result of the date, and a new session's build need not ask it for one.
            storedNone.insert(batch.date)
        }
        records[batch.date] = SessionRecord(
            date: batch.date, batchID: batch.batchID, source: batch.source, receivedRows: batch.receivedRows,
            validRows: batch.rows.count, rejectedRows: batch.rejectedRows,
            indexBatchID: previous?.batchID == batch.batchID ? previous?.indexBatchID : nil,
            sequence: previous?.sequence ?? 0
        )
    }

    /// Whether storage had a result of the index for any session when the records were read, or this process
    /// published one.
    var hasStoredResults: Bool { records.values.contains { $0.indexBatchID != nil } }

    /// The arrival of `date` this process holds (its rows not yet built), if any.
    func arrival(on date: SessionDate) -> ValidatedBatch? { arrivals[date] }

    /// Drops the rows of an arrival once it is built (storage serves them from then on).
    func forgetRows(of date: SessionDate) {
        arrivals[date] = nil
    }

    /// Records a published result.
    func published(_ result: IndexResult) {
        results[result.date] = result
        publications += 1
        unconfirmed[result.date] = publications
        // Storage's answer once it holds the result: a retraction deletes.
        if result.isRetraction { storedNone.insert(result.date) } else { storedNone.remove(result.date) }
        records[result.date]?.indexBatchID = result.isRetraction ? nil : result.sourceBatchID
    }

    /// The number of the latest publication, for ``confirm(through:)``.
    var publicationMark: UInt64 { publications }

    /// Storage holds every result published through this view up to publication `mark` (or a newer one of its
    /// date, published later and so still unconfirmed): the results it holds may be dropped from memory.
    func confirm(through mark: UInt64) {
        unconfirmed = unconfirmed.filter { $0.value > mark }
        dropConfirmed()
    }

    /// The number of the latest arrival, for ``confirmArrivals(through:)``.
    var arrivalMark: UInt64 { arrivalCount }

    /// Storage holds the batch of every arrival recorded through this view up to arrival `mark` (or a newer one of
    /// its date): their actions, and those read from storage, may be dropped from memory; a date that arrived again
    /// after the mark stays.
    func confirmArrivals(through mark: UInt64) {
        unconfirmedActions = unconfirmedActions.filter { $0.value > mark }
        guard actionQueries == 0 else { return }  // the next confirmation drops them
        actionsByDate = actionsByDate.filter { unconfirmedActions[$0.key] != nil }
    }

    /// How many sessions' actions are held in memory.
    var actionDatesInMemory: Int { actionsByDate.count }

    /// How many results are held in memory.
    var resultsInMemory: Int { results.count }

    /// Drops the results storage holds once more than ``confirmedKept`` are in memory, all but the latest date's.
    private func dropConfirmed() {
        guard results.count - unconfirmed.count > Self.confirmedKept, let latest = results.keys.max() else { return }
        results = results.filter { unconfirmed[$0.key] != nil || $0.key == latest }
    }

    func sessionRecords(from start: SessionDate, to end: SessionDate) async throws -> [SessionRecord] {
        let dates = sortedDates ?? records.keys.sorted()
        sortedDates = dates
        var low = dates.startIndex
        var high = dates.endIndex
        while low < high {
            let middle = (low + high) / 2
            if dates[middle] < start { low = middle + 1 } else { high = middle }
        }
        var result: [SessionRecord] = []
        for date in dates[low...] {
            guard date <= end else { break }
            if let record = records[date] { result.append(record) }
        }
        return result
    }

    func storedResult(on date: SessionDate) async throws -> IndexResult? {
        if let result = results[date] { return result.isRetraction ? nil : result }
        if storedNone.contains(date) { return nil }
        let before = publications
        let reply = try await storage.ask(IndexResultQuery(index: index, date: date))
        // A result published while storage was asked (and perhaps forgotten since) is newer than its answer.
        if let result = reply.result, publications == before {
            results[date] = result
            dropConfirmed()
        }
        return reply.result
    }

    func rows(on date: SessionDate) async throws -> (batchID: String, rows: [ValidRow])? {
        if let batch = arrivals[date] { return (batch.batchID, batch.rows) }
        let reply = try await storage.ask(SessionPricesQuery(date: date))
        guard let record = reply.record else { return nil }
        return (record.batchID, reply.rows)
    }

    func stocks(on date: SessionDate) async throws -> [StockInfo] {
        if let batch = arrivals[date] { return batch.stocks }
        guard records[date] != nil else { return [] }
        // Storage keeps the latest description of each ticker, so every stored stock, read once, is what any stored
        // day's batch would carry (a superset: the engine looks tickers up).
        if let allStocks { return allStocks }
        let stocks = try await storage.ask(StocksQuery()).stocks
        allStocks = stocks
        return stocks
    }

    func actions(after: SessionDate, through: SessionDate) async throws -> [AcceptedAction] {
        guard after < through else { return [] }
        // Actions are dated on sessions only (the validator rejects the others).
        let sessions = calendar.sessions(from: after.adding(days: 1), to: through)
        let unknown = sessions.filter { actionsByDate[$0] == nil }
        guard let first = unknown.first, let last = unknown.last else {
            return sessions.flatMap { actionsByDate[$0, default: []] }
        }
        // Nothing is forgotten while storage is asked (see ``confirmArrivals(through:)``).
        actionQueries += 1
        defer { actionQueries -= 1 }
        let reply = try await storage.ask(
            CorporateActionsQuery(range: DateRange(start: first, end: last), acceptedOnly: true)
        )
        let stored = Dictionary(grouping: reply.actions.compactMap(AcceptedAction.init), by: \.date)
        // An arrival while storage was asked is newer than its answer.
        for date in unknown where actionsByDate[date] == nil { actionsByDate[date] = stored[date, default: []] }
        return sessions.flatMap { actionsByDate[$0, default: []] }
    }
}
