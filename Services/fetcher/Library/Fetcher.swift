import Contracts
import Foundation
import Logging
import Metrics
import NATSClient
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
    package static func parts(_ context: ServiceContext) async throws -> [any Service] {
        let environment = ProcessInfo.processInfo.environment
        let defaultProvider = try ProviderFactory.make(context.configuration.provider, environment: environment)
        let storage = StorageClient(connection: context.connection, logger: context.logger)
        let replayer = Replayer(
            defaultProvider: defaultProvider,
            environment: environment,
            publisher: PriceBatchPublisher(jetStream: context.jetStream),
            storage: storage,
            logger: context.logger
        )
        guard let spec = Topology.pipeline.consumer(ConsumerName.fetcherReplay) else { return [] }
        let runner = ConsumerRunner(jetStream: context.jetStream, spec: spec, logger: context.logger) { message in
            let request = try ReplayRequest.decoded(from: message)
            try await replayer.replay(request)
        }
        var parts: [any Service] = [runner.service]
        if context.configuration.scheduleEnabled {
            guard let zone = DailySchedule.newYork else {
                throw ConfigurationError.invalid(
                    name: "SCHEDULE_ENABLED", value: "true", expected: "false on a system without America/New_York"
                )
            }
            let scheduler = DailyScheduler(
                schedule: DailySchedule(time: context.configuration.scheduleTime, timeZone: zone),
                limit: context.configuration.scheduleCatchUpLimit,
                ledger: StorageSessionLedger(storage: storage, index: Subjects.defaultIndex),
                sink: JetStreamReplaySink(jetStream: context.jetStream),
                clock: SystemWallClock(),
                logger: context.logger
            )
            parts.append(TaskService(name: "scheduler") { try await scheduler.run() })
        } else {
            context.logger.info("schedule off (SCHEDULE_ENABLED=false)")
        }
        return parts
    }
}

/// Fetches every session of a replay request, in calendar order, and publishes each.
package struct Replayer: Sendable {
    private let defaultProvider: any PriceProvider
    private let environment: [String: String]
    fileprivate let publisher: PriceBatchPublisher
    fileprivate let storage: StorageClient
    fileprivate let logger: Logger
    private let calendar = NYSECalendar.standard
    fileprivate let published = Counter(label: "fetcher_sessions_published_total")
    fileprivate let rows = Counter(label: "fetcher_rows_published_total")

    /// A replayer publishing through `publisher`.
    package init(
        defaultProvider: any PriceProvider, environment: [String: String], publisher: PriceBatchPublisher,
        storage: StorageClient, logger: Logger
    ) {
        self.defaultProvider = defaultProvider
        self.environment = environment
        self.publisher = publisher
        self.storage = storage
        self.logger = logger
    }

    /// Publishes every session of the request's range: a session storage holds is re-published from storage (its
    /// stored batch, unless `refetch`), any other is fetched from the provider. A session the provider fails to
    /// deliver stops the replay (it is redelivered and resumes: sessions already published are de-duplicated).
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
        var run = ReplayRun(replayer: self, request: request, storedDates: storedDates)
        // Consecutive sessions to fetch go to the provider together (the simulated market generates a range far
        // faster than day by day); stored ones go back out one by one, in calendar order with the rest.
        var pending: [SessionDate] = []
        for date in sessions {
            if request.refetch || !storedDates.contains(date) {
                pending.append(date)
                continue
            }
            try await run.fetch(pending)
            pending = []
            try await run.republish(date)
        }
        try await run.fetch(pending)
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
            return try ProviderFactory.make(name, environment: environment)
        } catch {
            throw PermanentFailure("replay \(request.replayID): \(error)")
        }
    }
}

/// The state of one replay: what was sent, and the provider once one is needed.
private struct ReplayRun {
    let replayer: Replayer
    let request: ReplayRequest
    let storedDates: Set<SessionDate>
    var provider: (any PriceProvider)?
    var retrier: Retrier?
    /// Sessions published.
    var count = 0
    /// Of which re-published from storage.
    var republished = 0
    /// Metadata travels once per replay and then only for stocks new or changed since.
    var sentStocks: [String: StockInfo] = [:]

    init(replayer: Replayer, request: ReplayRequest, storedDates: Set<SessionDate>) {
        self.replayer = replayer
        self.request = request
        self.storedDates = storedDates
    }

    /// Fetches consecutive sessions from the provider and publishes them.
    mutating func fetch(_ dates: [SessionDate]) async throws {
        guard let first = dates.first, let last = dates.last else { return }
        let provider = try self.provider ?? replayer.provider(for: request)
        self.provider = provider
        if let simulated = provider as? SimulatedProvider {
            for session in simulated.market.sessions(from: first, to: last) {
                try await handle(session.date, session, source: provider.name)
            }
            return
        }
        let retrier =
            self.retrier
            ?? Retrier(
                name: "provider.\(provider.name)", policy: RetryPolicy(maxAttempts: 5, maxDelay: .seconds(5)),
                logger: replayer.logger
            )
        self.retrier = retrier
        for date in dates {
            try await handle(date, try await retrier.run { try await provider.session(date) }, source: provider.name)
        }
    }

    /// Publishes one fetched session. A session without data is published empty (it is then known not to be an
    /// index session), unless storage holds it: a provider's silence must not wipe a stored day.
    private mutating func handle(_ date: SessionDate, _ session: ProviderSession?, source: String) async throws {
        try Task.checkCancellation()
        let rows = session?.rows ?? []
        if rows.isEmpty && storedDates.contains(date) { return }
        try await publish(
            date: date, rows: rows, stocks: session?.stocks ?? [], source: source, batchID: nil, refetched: true
        )
    }

    /// Re-publishes a stored session: its stored batch, read back from storage chunk by chunk, under its stored
    /// batch id (so storage sees the same batch again and rewrites nothing), marked as a replay not refetched.
    mutating func republish(_ date: SessionDate) async throws {
        try Task.checkCancellation()
        let chunkRows = Replayer.storedChunkRows
        let head = try await replayer.storage.ask(StoredBatchQuery(date: date, chunk: 0, chunkRows: chunkRows))
        var rows = head.rows
        for chunk in 1..<max(1, head.chunk.count) {
            let part = try await replayer.storage.ask(StoredBatchQuery(date: date, chunk: chunk, chunkRows: chunkRows))
            // The day was replaced while it was read: fail, the redelivered request reads it again.
            guard part.batchID == head.batchID, part.chunk.count == head.chunk.count else {
                throw StoredBatchChanged(date: date)
            }
            rows += part.rows
        }
        try await publish(
            date: date, rows: rows, stocks: head.stocks, source: head.source, batchID: head.batchID, refetched: false
        )
        republished += 1
    }

    private mutating func publish(
        date: SessionDate, rows: [PriceRow], stocks: [StockInfo], source: String, batchID: String?, refetched: Bool
    ) async throws {
        let stocks = stocks.filter { sentStocks[$0.ticker] != $0 }
        let result = try await replayer.publisher.publish(
            date: date, rows: rows, stocks: stocks, source: source,
            replay: ReplayMark(replayID: request.replayID, refetched: refetched), batchID: batchID
        )
        for stock in stocks { sentStocks[stock.ticker] = stock }
        replayer.published.increment()
        replayer.rows.increment(by: result.rows)
        count += 1
    }
}

/// A stored day changed between two chunks of a read.
struct StoredBatchChanged: Error, CustomStringConvertible {
    let date: SessionDate
    var description: String { "the stored batch of \(date) changed while it was read for a replay" }
}

extension Replayer {
    /// Rows per chunk when reading a stored day back: about 75 bytes each in the binary encoding, well under the
    /// 1 MB default payload limit.
    static let storedChunkRows = 5000
}
