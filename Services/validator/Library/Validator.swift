import Contracts
import Logging
import Methodology
import NATSClient
import Resilience
import ServiceLifecycle
import ServiceSupport
import TradingCalendar

/// The `validator` service: raw batches to valid rows (`prices.valid`) and rejections (`prices.rejected`).
package enum Validator: PipelineService {
    package static let abstract =
        "Validates raw price batches: valid rows to prices.valid, rejections to prices.rejected."
    package static let name = "validator"

    /// The raw-prices consumer.
    package static func parts(_ context: ServiceContext) async throws -> [any Service] {
        guard let spec = Topology.pipeline.consumer(ConsumerName.validator) else { return [] }
        let stage = ValidationStage(
            jetStream: context.jetStream,
            storage: StorageClient(connection: context.connection, logger: context.logger),
            logger: context.logger
        )
        let runner = ConsumerRunner(
            jetStream: context.jetStream, spec: spec, options: ConsumerRunnerOptions(batch: 16), logger: context.logger,
            batchHandler: { await stage.handle($0) }
        )
        return [runner.service]
    }
}

/// Validates batches in arrival order, reassembling chunked sessions and keeping the tickers' recent closes.
package actor ValidationStage {
    private let jetStream: JetStream
    private let storage: StorageClient
    private let logger: Logger
    private let calendar = NYSECalendar.standard
    private var history = TickerHistory()
    /// Chunks held until their siblings arrive, by batch id and chunk index.
    private var pending: [String: [Int: (batch: PriceBatch, message: JetStreamMessage)]] = [:]
    /// When each held batch last received a chunk: a batch whose other chunks never come is dropped (its held
    /// messages, never acknowledged, are redelivered by the server and dead-lettered after max-deliver).
    private var pendingSince: [String: ContinuousClock.Instant] = [:]
    private static let pendingLimit = Duration.seconds(600)

    /// A stage publishing on `jetStream` and reading history from `storage` when it cannot use its own.
    package init(jetStream: JetStream, storage: StorageClient, logger: Logger) {
        self.jetStream = jetStream
        self.storage = storage
        self.logger = logger
    }

    /// Handles a fetched batch of raw messages, in order.
    package func handle(_ messages: [JetStreamMessage]) async -> [MessageOutcome] {
        var outcomes: [MessageOutcome] = []
        for message in messages {
            outcomes.append(await handle(message))
        }
        return outcomes
    }

    private func handle(_ message: JetStreamMessage) async -> MessageOutcome {
        let batch: PriceBatch
        do {
            batch = try PriceBatch.decoded(from: message.data, headers: message.headers)
        } catch {
            return .permanent("\(error)")
        }
        guard batch.chunk.count > 1 else {
            do {
                try await validateAndPublish(batch.date, batch: batch, rows: batch.rows, stocks: batch.stocks)
                return .done
            } catch {
                return .failed(error)
            }
        }
        let now = ContinuousClock.now
        for (batchID, since) in pendingSince where now - since > Self.pendingLimit {
            pending[batchID] = nil
            pendingSince[batchID] = nil
        }
        var parts = pending[batch.batchID, default: [:]]
        parts[batch.chunk.index] = (batch, message)
        guard parts.count == batch.chunk.count else {
            pending[batch.batchID] = parts
            pendingSince[batch.batchID] = now
            return .deferred
        }
        pending[batch.batchID] = nil
        pendingSince[batch.batchID] = nil
        let ordered = parts.keys.sorted().compactMap { parts[$0] }
        do {
            try await validateAndPublish(
                batch.date, batch: batch, rows: ordered.flatMap(\.batch.rows), stocks: ordered.flatMap(\.batch.stocks)
            )
        } catch {
            // Let every chunk come back: hand the siblings back now, fail this one.
            for part in ordered where part.message !== message { try? part.message.nak() }
            return .failed(error)
        }
        for part in ordered where part.message !== message {
            try? await part.message.ack()
        }
        return .done
    }

    private func validateAndPublish(_ date: SessionDate, batch: PriceBatch, rows: [PriceRow], stocks: [StockInfo])
        async throws
    {
        let isSession = calendar.isSession(date)
        if isSession { try await prepareHistory(for: date) }
        let outcome = Validation.validate(rows: rows, calendar: calendar, history: history)
        let validated = ValidatedBatch(
            batchID: batch.batchID, date: date, source: batch.source, replay: batch.replay, rows: outcome.valid,
            stocks: stocks, receivedRows: rows.count, rejectedRows: outcome.rejections.count
        )
        let suffix = batch.replay.map { ":\($0.replayID)" } ?? ""
        if !outcome.rejections.isEmpty {
            let rejected = RejectionBatch(
                batchID: batch.batchID, date: date, source: batch.source, rejections: outcome.rejections
            )
            _ = try await jetStream.publish(
                Subjects.pricesRejected(date), data: try rejected.encoded(), headers: rejected.headers,
                messageID: "rejected:\(batch.batchID)\(suffix)"
            )
        }
        _ = try await jetStream.publish(
            Subjects.pricesValid(date), data: try validated.encoded(), headers: validated.headers,
            messageID: "valid:\(batch.batchID)\(suffix)"
        )
        if isSession { history.record(date: date, rows: outcome.valid) }
        logger.debug(
            "validated",
            metadata: [
                "pipeline.date": "\(date)", "pipeline.valid": "\(outcome.valid.count)",
                "pipeline.rejected": "\(outcome.rejections.count)",
            ]
        )
    }

    /// Keeps the in-memory history when it ends at the previous session; otherwise reloads the window from storage.
    private func prepareHistory(for date: SessionDate) async throws {
        if let asOf = history.asOf, asOf == calendar.previousSession(before: date) { return }
        guard let window = TickerHistory.window(before: date, calendar: calendar) else {
            history = TickerHistory()
            return
        }
        // One session per request: the whole window of a large market (30 sessions of thousands of closes) is far
        // over NATS's payload limit, one session's closes are well under it. A few requests run at once.
        let storage = self.storage
        let sessions = calendar.sessions(from: window.start, to: window.end)
        let parts = try await BoundedConcurrency.map(sessions, limit: 4) { date in
            try await storage.ask(PriceHistoryQuery(range: DateRange(start: date, end: date))).closes
        }
        let closes = parts.flatMap { $0 }
        history = TickerHistory(closes: closes)
    }
}
