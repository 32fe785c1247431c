import Contracts
import Foundation
import Resilience
import TradingCalendar

/// Publishing onto the pipeline's streams. Subject and message id come from the message (``PipelineMessage``);
/// a publish returns once the stream has stored the message.
package protocol PipelinePublishing: Sendable {
    /// Publishes `message` durably; a duplicate (same message id within the stream's window) stores nothing.
    func publish<Message: PipelineMessage>(_ message: Message) async throws
    /// Publishes `message` durably with its encoding `body` (`message.encoded()`), already made by the caller.
    func publish<Message: PipelineMessage>(_ message: Message, encoded body: Data) async throws
    /// The largest encoded message the broker takes, less room for headers.
    var payloadLimit: Int { get }
}

/// What was published for one session.
package struct PublishedSession: Sendable, Equatable {
    /// The session.
    package var date: SessionDate
    /// The batch id (a content hash) storage will record for the date.
    package var batchID: String
    /// Rows published.
    package var rows: Int
    /// Messages it took.
    package var chunks: Int
}

extension PipelinePublishing {
    /// Encodes the message again: for publishers (fakes) that keep messages rather than bytes.
    package func publish<Message: PipelineMessage>(_ message: Message, encoded body: Data) async throws {
        try await publish(message)
    }

    /// The one way a replay (back-fill, rebuild, build job, scheduled fetch) is asked for: the request on
    /// `replay.requested.<id>`, stored once per replay id.
    package func requestReplay(_ request: ReplayRequest) async throws {
        try await publish(request)
    }

    /// Publishes one session's rows on the raw prices: one message, or several chunks when one would exceed the
    /// payload limit; returns once every chunk is stored.
    /// - Parameter batchID: the batch id to keep, when re-publishing a stored batch; by default the content hash.
    package func publishSession(
        date: SessionDate, rows: [PriceRow], stocks: [StockInfo], actions: [CorporateAction] = [], source: String,
        replay: ReplayMark? = nil, batchID: String? = nil
    ) async throws -> PublishedSession {
        let batchID = try batchID ?? SessionBatches.batchID(date: date, source: source, rows: rows, actions: actions)
        let batches = try SessionBatches.chunks(
            batchID: batchID, date: date, rows: rows, stocks: stocks, actions: actions, source: source,
            replay: replay, payloadLimit: payloadLimit
        )
        for (batch, body) in batches { try await publish(batch, encoded: body) }
        return PublishedSession(date: date, batchID: batchID, rows: rows.count, chunks: batches.count)
    }
}

/// How a session's rows become price batches.
package enum SessionBatches {
    /// The batch id of a session's content: equal rows and actions from the same source give the same id. Stock
    /// metadata is not part of it: it is upserted on its own, and a batch may carry only the stocks new since the
    /// last one.
    package static func batchID(
        date: SessionDate, source: String, rows: [PriceRow], actions: [CorporateAction] = []
    ) throws -> String {
        let whole = PriceBatch(batchID: "", date: date, source: source, rows: rows, stocks: [], actions: actions)
        return "\(date)-\(ContentHash.hex(try whole.encoded()))"
    }

    /// The batches of a session with their encodings, split evenly until each encodes within `payloadLimit` bytes;
    /// the stocks and the actions travel with the first.
    package static func chunks(
        batchID: String, date: SessionDate, rows: [PriceRow], stocks: [StockInfo], actions: [CorporateAction] = [],
        source: String, replay: ReplayMark?, payloadLimit: Int
    ) throws -> [(batch: PriceBatch, body: Data)] {
        var count = 1
        while true {
            let size = (rows.count + count - 1) / max(count, 1)
            var batches: [(batch: PriceBatch, body: Data)] = []
            var largest = 0
            for index in 0..<count {
                let slice =
                    rows.isEmpty
                    ? [] : Array(rows[min(rows.count, index * size)..<min(rows.count, (index + 1) * size)])
                let batch = PriceBatch(
                    batchID: batchID, date: date, source: source, chunk: ChunkInfo(index: index, count: count),
                    replay: replay, rows: slice, stocks: index == 0 ? stocks : [], actions: index == 0 ? actions : []
                )
                let body = try batch.encoded()
                largest = max(largest, body.count)
                batches.append((batch, body))
            }
            if largest <= payloadLimit { return batches }
            guard count < max(1, rows.count) else {
                throw PayloadTooLarge(date: date, bytes: largest, limit: payloadLimit)
            }
            count = min(rows.count, max(count + 1, count * largest / payloadLimit + 1))
        }
    }
}

/// A session that cannot be split under the payload limit (a single row larger than the limit).
package struct PayloadTooLarge: PermanentError {
    /// The session.
    package var date: SessionDate
    /// The smallest chunk's size.
    package var bytes: Int
    /// The limit.
    package var limit: Int
    /// One line.
    package var description: String { "the batch of \(date) cannot fit \(limit) bytes (\(bytes))" }
}
