import Contracts
import Logging
import Methodology
import Pipeline
import ServiceLifecycle
import ServiceSupport
import TradingCalendar

/// The `validator` service: raw batches to valid rows (`prices.valid`) and rejections (`prices.rejected`).
package enum Validator: PipelineService {
    package static let abstract =
        "Validates raw price batches: valid rows to prices.valid, rejections to prices.rejected."
    package static let name = "validator"

    /// The raw-prices consumer.
    package static func parts(_ runtime: ServiceRuntime) async throws -> [any Service] {
        let pipeline = runtime.pipeline
        let stage = ValidationStage(publisher: pipeline, storage: pipeline.storage, logger: runtime.logger)
        let consumer = StageConsumer<PriceBatch>(ConsumerName.validator, batch: FetchSize.sessions) {
            await stage.handle($0)
        }
        return [pipeline.runner(consumer, logger: runtime.logger).service]
    }
}

/// Validates batches in arrival order, reassembling chunked sessions and keeping the tickers' recent closes.
package actor ValidationStage {
    private let publisher: any PipelinePublishing
    private let storage: any StorageAsking
    private let logger: Logger
    private let calendar = NYSECalendar.standard
    private let clock: @Sendable () -> ContinuousClock.Instant
    private var history = TickerHistory()
    /// Chunks held until their siblings arrive, by batch id and chunk index.
    private var pending: [String: [Int: Delivery<PriceBatch>]] = [:]
    /// When each held batch last received a chunk: a batch whose other chunks never come is dropped (its held
    /// messages, never acknowledged, are redelivered by the broker and dead-lettered after max-deliver).
    private var pendingSince: [String: ContinuousClock.Instant] = [:]
    private static let pendingLimit = Duration.seconds(600)

    /// A stage publishing through `publisher` and reading history from `storage` when it cannot use its own.
    package init(
        publisher: any PipelinePublishing, storage: any StorageAsking, logger: Logger,
        clock: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.publisher = publisher
        self.storage = storage
        self.logger = logger
        self.clock = clock
    }

    /// The chunked batches held for their missing chunks, by batch id: how many chunks of each are here.
    package var heldChunks: [String: Int] { pending.mapValues(\.count) }

    /// Handles a fetched batch of raw batches, in order.
    package func handle(_ deliveries: [Delivery<PriceBatch>]) async -> [MessageOutcome] {
        var outcomes: [MessageOutcome] = []
        for delivery in deliveries {
            outcomes.append(await delivery.traced("validate") { await handle(delivery) })
        }
        return outcomes
    }

    private func handle(_ delivery: Delivery<PriceBatch>) async -> MessageOutcome {
        let batch = delivery.message
        guard batch.chunk.count > 1 else {
            return await MessageOutcome.of {
                try await validateAndPublish(
                    batch.date, batch: batch, rows: batch.rows, stocks: batch.stocks, actions: batch.actions)
            }
        }
        let now = clock()
        for (batchID, since) in pendingSince where now - since > Self.pendingLimit {
            pending[batchID] = nil
            pendingSince[batchID] = nil
        }
        var parts = pending[batch.batchID, default: [:]]
        parts[batch.chunk.index] = delivery
        guard parts.count == batch.chunk.count else {
            pending[batch.batchID] = parts
            pendingSince[batch.batchID] = now
            return .deferred
        }
        pending[batch.batchID] = nil
        pendingSince[batch.batchID] = nil
        let ordered = parts.keys.sorted().compactMap { parts[$0] }
        let siblings = ordered.filter { $0.message.chunk.index != batch.chunk.index }
        let outcome = await MessageOutcome.of {
            try await validateAndPublish(
                batch.date, batch: batch, rows: ordered.flatMap(\.message.rows),
                stocks: ordered.flatMap(\.message.stocks), actions: ordered.flatMap(\.message.actions)
            )
        }
        guard case .done = outcome else {
            // Let every chunk come back: hand the siblings back now; this one ends with the outcome.
            for part in siblings { try? part.control.nak(delay: .zero) }
            return outcome
        }
        for part in siblings { try? await part.control.ack() }
        return .done
    }

    private func validateAndPublish(
        _ date: SessionDate, batch: PriceBatch, rows: [PriceRow], stocks: [StockInfo], actions: [CorporateAction]
    ) async throws {
        let isSession = calendar.isSession(date)
        if isSession { try await prepareHistory(for: date) }
        // Actions first: a split accepted today adjusts today's `price_jump`.
        let decided = Validation.validate(actions: actions, calendar: calendar)
        let splits = decided.compactMap(AcceptedAction.init).filter { $0.kind == .split }
        let outcome = Validation.validate(rows: rows, calendar: calendar, history: history, splits: splits)
        if !outcome.rejections.isEmpty {
            try await publisher.publish(
                RejectionBatch(
                    batchID: batch.batchID, date: date, source: batch.source, replay: batch.replay,
                    rejections: outcome.rejections
                ))
        }
        try await publisher.publish(
            ValidatedBatch(
                batchID: batch.batchID, date: date, source: batch.source, replay: batch.replay, rows: outcome.valid,
                stocks: stocks, receivedRows: rows.count, rejectedRows: outcome.rejections.count, actions: decided
            ))
        if isSession { history.record(date: date, rows: outcome.valid, splits: splits) }
        logger.debug(
            "validated",
            metadata: [
                "pipeline.date": "\(date)", "pipeline.valid": "\(outcome.valid.count)",
                "pipeline.rejected": "\(outcome.rejections.count)",
                "pipeline.actions": "\(decided.count)",
            ]
        )
    }

    /// Keeps the in-memory history when it ends at the previous session; otherwise reloads the window from storage
    /// in one request (a large market's window arrives in parts, reassembled by the pipeline layer).
    private func prepareHistory(for date: SessionDate) async throws {
        if let asOf = history.asOf, asOf == calendar.previousSession(before: date) { return }
        guard let window = TickerHistory.window(before: date, calendar: calendar) else {
            history = TickerHistory()
            return
        }
        let reply = try await storage.ask(PriceHistoryQuery(range: window))
        history = TickerHistory(closes: reply.closes, splits: reply.splits)
    }
}
