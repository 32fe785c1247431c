import Contracts
import Foundation
import Logging
import Metrics
import Pipeline
import Providers
import Resilience
import ServiceLifecycle
import ServiceSupport
import TradingCalendar

/// The `fetcher` service: turns replay requests into one price batch per session on `prices.raw.<date>`, and
/// requests each session after the close (``DailyScheduler``).
package enum Fetcher: PipelineService {
    package static let abstract = "Fetches price batches from a provider and publishes them on prices.raw."
    package static let name = "fetcher"

    /// The replay consumer and, unless `SCHEDULE_ENABLED=false`, the daily scheduler.
    ///
    /// - Throws: a configuration error when a provider setting does not parse (a vendor's among them, whichever
    ///   provider is in use) or the configured provider cannot be built.
    package static func parts(_ runtime: ServiceRuntime) async throws -> [any Service] {
        let providers = try ProviderFactory(environment: runtime.configuration.environment)
        let defaultProvider = try providers.make(runtime.configuration.provider)
        let pipeline = runtime.pipeline
        let replayer = Replayer(
            defaultProvider: defaultProvider, providers: providers, publisher: pipeline,
            storage: pipeline.storage, logger: runtime.logger,
            // A build job's replay id is its job id; other replays (indexctl's) have no job and go on.
            isCancelled: { replayID in (try? await pipeline.latestJob(replayID))?.status == .cancelled }
        )
        var parts: [any Service] = [pipeline.runner(consumer(replayer), logger: runtime.logger).service]
        if runtime.configuration.scheduleEnabled {
            guard let zone = DailySchedule.newYork else {
                throw ConfigurationError.invalid(
                    name: "SCHEDULE_ENABLED", value: "true", expected: "false on a system without America/New_York"
                )
            }
            let scheduler = DailyScheduler(
                schedule: DailySchedule(time: runtime.configuration.scheduleTime, timeZone: zone),
                limit: runtime.configuration.scheduleCatchUpLimit,
                ledger: StorageSessionLedger(storage: pipeline.storage, index: Indexes.defaultID),
                publisher: pipeline,
                clock: SystemWallClock(),
                logger: runtime.logger
            )
            parts.append(TaskService(name: "scheduler") { try await scheduler.run() })
        } else {
            runtime.logger.info("schedule off (SCHEDULE_ENABLED=false)")
        }
        return parts
    }

    /// The stage reading replay requests: one at a time, each replayed by `replayer`. A provider's
    /// ``PermanentError`` dead-letters the request at once; any other failure has it redelivered after a delay (at
    /// least the vendor's `Retry-After`) until the consumer's `maxDeliver` runs out. That redelivery is the only
    /// retry of a vendor call.
    package static func consumer(_ replayer: Replayer) -> StageConsumer<ReplayRequest> {
        StageConsumer<ReplayRequest>(ConsumerName.fetcherReplay, batch: 1) { deliveries in
            var outcomes: [MessageOutcome] = []
            for delivery in deliveries {
                outcomes.append(
                    await delivery.traced("replay") {
                        await MessageOutcome.of { try await replayer.replay(delivery.message) }
                    }
                )
            }
            return outcomes
        }
    }
}

/// Fetches every session of a replay request, in calendar order, and publishes each.
package struct Replayer: Sendable {
    private let defaultProvider: any PriceProvider
    private let providers: ProviderFactory
    fileprivate let publisher: any PipelinePublishing
    fileprivate let storage: any StorageAsking
    fileprivate let logger: Logger
    private let calendar = NYSECalendar.standard
    fileprivate let published = Counter(label: "fetcher_sessions_published_total")
    fileprivate let rows = Counter(label: "fetcher_rows_published_total")
    /// Sessions each unfinished replay has published in this process: a redelivered request resumes after them
    /// instead of asking the provider again, so a session costs at most one provider call per delivery.
    fileprivate let progress = ReplayProgress()
    /// Whether the replay's job was cancelled (`DELETE /jobs/{id}`): asked before the first session and then at
    /// most once a second.
    fileprivate let isCancelled: @Sendable (String) async -> Bool

    /// A replayer publishing through `publisher`; a request naming another provider than `defaultProvider` gets
    /// one from `providers`.
    package init(
        defaultProvider: any PriceProvider, providers: ProviderFactory, publisher: any PipelinePublishing,
        storage: any StorageAsking, logger: Logger,
        isCancelled: @escaping @Sendable (String) async -> Bool = { _ in false }
    ) {
        self.isCancelled = isCancelled
        self.defaultProvider = defaultProvider
        self.providers = providers
        self.publisher = publisher
        self.storage = storage
        self.logger = logger
    }

    /// Publishes every session of the request's range: a session storage holds is re-published from storage (its
    /// stored batch, unless `refetch`), any other is fetched from the provider. A session the provider fails to
    /// deliver stops the replay with the provider's error: a permanent one (a 4xx, a malformed answer) dead-letters
    /// the request at once, any other has it redelivered after a delay, and the redelivery resumes after the
    /// sessions this process already published. There is no retry loop inside: the redelivery is the only one.
    ///
    /// The provider is built only when a session needs it: a replay of stored sessions never touches it.
    package func replay(_ request: ReplayRequest) async throws {
        guard request.from <= request.to else {
            throw PermanentFailure("replay \(request.replayID): \(request.from) is after \(request.to)")
        }
        let sessions = calendar.sessions(from: request.from, to: request.to)
        let stored = try await storage.ask(
            SessionsQuery(index: request.index, range: DateRange(start: request.from, end: request.to))
        ).sessions
        let storedDates = Set(stored.map(\.date))
        let fromStorage = request.refetch ? 0 : sessions.filter(storedDates.contains).count
        logger.info(
            "replay started",
            metadata: [
                "replay.id": "\(request.replayID)", "replay.from": "\(request.from)", "replay.to": "\(request.to)",
                "replay.sessions": "\(sessions.count)", "replay.from_storage": "\(fromStorage)",
                "replay.refetch": "\(request.refetch)",
            ]
        )
        let published = await progress.published(request.replayID)
        var run = ReplayRun(replayer: self, request: request, storedDates: storedDates, alreadyPublished: published)
        // Consecutive sessions to fetch go to the provider together (the simulated market generates a range far
        // faster than day by day); stored ones go back out one by one, in calendar order with the rest.
        var pending: [SessionDate] = []
        do {
            for date in sessions where !published.contains(date) {
                if request.refetch || !storedDates.contains(date) {
                    pending.append(date)
                    continue
                }
                try await run.fetch(pending)
                pending = []
                try await SessionTrace.run("republish session", date: date) { try await run.republish(date) }
            }
            try await run.fetch(pending)
        } catch is ReplayCancelled {
            await progress.finish(request.replayID)
            logger.info(
                "replay cancelled: its job was cancelled",
                metadata: ["replay.id": "\(request.replayID)", "replay.published": "\(run.count)"]
            )
            return
        }
        await progress.finish(request.replayID)
        logger.info(
            "replay published",
            metadata: [
                "replay.id": "\(request.replayID)", "replay.sessions": "\(run.count)",
                "replay.from_storage": "\(run.republished)",
            ]
        )
    }

    /// The provider a request names (built now), or the configured one.
    fileprivate func provider(for request: ReplayRequest) throws -> any PriceProvider {
        guard let name = request.provider, name != defaultProvider.name else { return defaultProvider }
        do {
            return try providers.make(name)
        } catch {
            throw PermanentFailure("replay \(request.replayID): \(error)")
        }
    }
}

/// The replay's job was cancelled: no further session is published.
private struct ReplayCancelled: Error {}

/// The state of one replay: what was sent, and the provider once one is needed.
private struct ReplayRun {
    let replayer: Replayer
    let request: ReplayRequest
    let storedDates: Set<SessionDate>
    var provider: (any PriceProvider)?
    /// Sessions published by an earlier delivery of the request in this process.
    let alreadyPublished: Set<SessionDate>
    /// Sessions published.
    var count = 0
    /// Of which re-published from storage.
    var republished = 0
    /// Metadata travels once per replay and then only for stocks new or changed since.
    var sentStocks: [String: StockInfo] = [:]
    /// When the job's state was last read (nil: not yet).
    var cancellationChecked: ContinuousClock.Instant?

    init(replayer: Replayer, request: ReplayRequest, storedDates: Set<SessionDate>, alreadyPublished: Set<SessionDate>)
    {
        self.replayer = replayer
        self.request = request
        self.storedDates = storedDates
        self.alreadyPublished = alreadyPublished
    }

    /// Fetches consecutive sessions from the provider and publishes them.
    mutating func fetch(_ dates: [SessionDate]) async throws {
        guard let first = dates.first, let last = dates.last else { return }
        let provider = try self.provider ?? replayer.provider(for: request)
        self.provider = provider
        if let simulated = provider as? SimulatedProvider {
            try await simulated.forEachSession(from: first, through: last) { session in
                guard !alreadyPublished.contains(session.date) else { return }
                try await SessionTrace.run("fetch session", date: session.date) {
                    try await handle(session.date, session, source: provider.name)
                }
            }
            return
        }
        for date in dates {
            try await SessionTrace.run("fetch session", date: date) {
                try await handle(date, try await provider.session(date), source: provider.name)
            }
        }
    }

    /// Publishes one fetched session. A session without data is published empty (it is then known not to be an
    /// index session), unless storage holds it: a provider's silence must not wipe a stored day.
    private mutating func handle(_ date: SessionDate, _ session: ProviderSession?, source: String) async throws {
        try Task.checkCancellation()
        let rows = session?.rows ?? []
        let actions = session?.actions ?? []
        if rows.isEmpty && actions.isEmpty && storedDates.contains(date) { return }
        try await publish(
            date: date, rows: rows, stocks: session?.stocks ?? [], actions: actions, source: source, batchID: nil,
            refetched: true
        )
    }

    /// Re-publishes a stored session: its stored batch, read back from storage chunk by chunk, under its stored
    /// batch id (so storage sees the same batch again and rewrites nothing), marked as a replay not refetched.
    mutating func republish(_ date: SessionDate) async throws {
        try Task.checkCancellation()
        let stored = try await replayer.storage.ask(StoredBatchQuery(date: date)).batch
        try await publish(
            date: date, rows: stored.rows, stocks: stored.stocks, actions: stored.actions, source: stored.source,
            batchID: stored.batchID, refetched: false
        )
        republished += 1
    }

    private mutating func publish(
        date: SessionDate, rows: [PriceRow], stocks: [StockInfo], actions: [CorporateAction], source: String,
        batchID: String?, refetched: Bool
    ) async throws {
        if cancellationChecked.map({ ContinuousClock.now - $0 >= .seconds(1) }) ?? true {
            cancellationChecked = .now
            if await replayer.isCancelled(request.replayID) { throw ReplayCancelled() }
        }
        let stocks = stocks.filter { sentStocks[$0.ticker] != $0 }
        // A replay's first session carries the whole market: room for it at once, not a resize per doubling.
        sentStocks.reserveCapacity(sentStocks.count + stocks.count)
        let result = try await replayer.publisher.publishSession(
            date: date, rows: rows, stocks: stocks, actions: actions, source: source,
            replay: ReplayMark(replayID: request.replayID, refetched: refetched), batchID: batchID
        )
        for stock in stocks { sentStocks[stock.ticker] = stock }
        replayer.published.increment()
        replayer.rows.increment(by: result.rows)
        count += 1
        await replayer.progress.record(date, for: request.replayID)
    }
}

/// The sessions published so far by the unfinished replays of this process.
actor ReplayProgress {
    private var published: [String: Set<SessionDate>] = [:]

    /// The sessions `replayID` has published.
    func published(_ replayID: String) -> Set<SessionDate> { published[replayID] ?? [] }

    /// Records a published session.
    func record(_ date: SessionDate, for replayID: String) {
        // Bounded: a process that sees thousands of failing replays forgets the oldest progress, not its memory.
        if published[replayID] == nil, published.count >= 1000 { published.removeAll() }
        published[replayID, default: []].insert(date)
    }

    /// Forgets a finished replay.
    func finish(_ replayID: String) { published[replayID] = nil }
}
