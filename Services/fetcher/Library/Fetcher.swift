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

/// The `fetcher` service: turns replay requests into one price batch per session on `prices.raw.<date>`.
package enum Fetcher: PipelineService {
    package static let abstract = "Fetches price batches from a provider and publishes them on prices.raw."
    package static let name = "fetcher"

    /// The replay consumer.
    package static func parts(_ context: ServiceContext) async throws -> [any Service] {
        let environment = ProcessInfo.processInfo.environment
        let defaultProvider = try ProviderFactory.make(context.configuration.provider, environment: environment)
        let replayer = Replayer(
            defaultProvider: defaultProvider,
            environment: environment,
            publisher: PriceBatchPublisher(jetStream: context.jetStream),
            storage: StorageClient(connection: context.connection, logger: context.logger),
            logger: context.logger
        )
        guard let spec = Topology.pipeline.consumer(ConsumerName.fetcherReplay) else { return [] }
        let runner = ConsumerRunner(jetStream: context.jetStream, spec: spec, logger: context.logger) { message in
            let request = try ReplayRequest.decoded(from: message)
            try await replayer.replay(request)
        }
        return [runner.service]
    }
}

/// Fetches every session of a replay request, in calendar order, and publishes each.
package struct Replayer: Sendable {
    private let defaultProvider: any PriceProvider
    private let environment: [String: String]
    private let publisher: PriceBatchPublisher
    private let storage: StorageClient
    private let logger: Logger
    private let calendar = NYSECalendar.standard
    private let published = Counter(label: "fetcher_sessions_published_total")
    private let rows = Counter(label: "fetcher_rows_published_total")

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

    /// Publishes every session of the request's range the provider has data for; a session the provider fails to
    /// deliver stops the replay (it is redelivered and resumes: sessions already published are de-duplicated).
    package func replay(_ request: ReplayRequest) async throws {
        let provider: any PriceProvider
        if let name = request.provider, name != defaultProvider.name {
            do {
                provider = try ProviderFactory.make(name, environment: environment)
            } catch {
                throw PermanentFailure("replay \(request.replayID): \(error)")
            }
        } else {
            provider = defaultProvider
        }
        guard request.from <= request.to else {
            throw PermanentFailure("replay \(request.replayID): \(request.from) is after \(request.to)")
        }
        let sessions = calendar.sessions(from: request.from, to: request.to)
        logger.info(
            "replay started",
            metadata: [
                "replay.id": "\(request.replayID)", "replay.from": "\(request.from)", "replay.to": "\(request.to)",
                "replay.sessions": "\(sessions.count)", "replay.provider": "\(provider.name)",
            ]
        )
        let mark = ReplayMark(replayID: request.replayID, refetched: true)
        let retrier = Retrier(
            name: "provider.\(provider.name)", policy: RetryPolicy(maxAttempts: 5, maxDelay: .seconds(5)), logger: logger
        )
        // A session without data is published empty (it is then known not to be an index session), unless storage
        // holds it: a provider's silence must not wipe a stored day.
        let stored = try await storage.ask(
            SessionsQuery(index: request.index, range: DateRange(start: request.from, end: request.to))
        ).sessions
        let storedDates = Set(stored.map(\.date))
        var count = 0
        // Metadata travels once per replay and then only for stocks new or changed since.
        var sentStocks: [String: StockInfo] = [:]
        func handle(_ date: SessionDate, _ session: ProviderSession?) async throws {
            try Task.checkCancellation()
            let rows = session?.rows ?? []
            if rows.isEmpty && storedDates.contains(date) { return }
            let stocks = (session?.stocks ?? []).filter { sentStocks[$0.ticker] != $0 }
            let result = try await publisher.publish(
                date: date, rows: rows, stocks: stocks, source: provider.name, replay: mark
            )
            for stock in stocks { sentStocks[stock.ticker] = stock }
            published.increment()
            self.rows.increment(by: result.rows)
            count += 1
        }
        if let simulated = provider as? SimulatedProvider, let first = sessions.first, let last = sessions.last {
            // The simulated market generates a range far faster than day by day.
            for session in simulated.market.sessions(from: first, to: last) {
                try await handle(session.date, session)
            }
        } else {
            for date in sessions {
                try await handle(date, try await retrier.run { try await provider.session(date) })
            }
        }
        logger.info("replay published", metadata: ["replay.id": "\(request.replayID)", "replay.sessions": "\(count)"])
    }
}
