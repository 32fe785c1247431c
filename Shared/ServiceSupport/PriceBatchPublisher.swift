import Contracts
import Foundation
import NATSClient
import TradingCalendar

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

/// Publishes one session's rows on `prices.raw.<date>`: one message, or several chunks when it would exceed the
/// server's payload limit, each with a message id derived from the content (and the replay, when there is one).
package struct PriceBatchPublisher: Sendable {
    private let jetStream: JetStream
    private let payloadLimit: Int

    /// A publisher; `payloadLimit` defaults to the server's limit less headroom for headers.
    package init(jetStream: JetStream, payloadLimit: Int? = nil) {
        self.jetStream = jetStream
        self.payloadLimit = payloadLimit ?? max(64 * 1024, jetStream.connection.maxPayload - 16 * 1024)
    }

    /// The batch id of a session's content: equal rows from the same source give the same id. Stock metadata is
    /// not part of it: it is upserted on its own, and a batch may carry only the stocks new since the last one.
    package static func batchID(date: SessionDate, source: String, rows: [PriceRow]) throws -> String {
        let whole = PriceBatch(batchID: "", date: date, source: source, rows: rows, stocks: [])
        return "\(date)-\(ContentHash.hex(try whole.encoded()))"
    }

    /// Splits and publishes a session; returns once JetStream has stored every chunk.
    /// - Parameter batchID: the batch id to keep, when re-publishing a stored batch; by default the content hash.
    package func publish(
        date: SessionDate, rows: [PriceRow], stocks: [StockInfo], source: String, replay: ReplayMark? = nil,
        batchID: String? = nil
    ) async throws -> PublishedSession {
        let batchID = try batchID ?? Self.batchID(date: date, source: source, rows: rows)
        let batches = try chunks(
            batchID: batchID, date: date, rows: rows, stocks: stocks, source: source, replay: replay)
        for (batch, payload) in batches {
            var messageID = "raw:\(batchID):\(batch.chunk.index)/\(batch.chunk.count)"
            if let replay { messageID += ":\(replay.replayID)" }
            _ = try await jetStream.publish(
                Subjects.pricesRaw(date), data: payload, headers: batch.headers, messageID: messageID
            )
        }
        return PublishedSession(date: date, batchID: batchID, rows: rows.count, chunks: batches.count)
    }

    /// The batches of a session with their encodings, split evenly until each encodes within the payload limit.
    package func chunks(
        batchID: String, date: SessionDate, rows: [PriceRow], stocks: [StockInfo], source: String, replay: ReplayMark?
    ) throws -> [(batch: PriceBatch, payload: Data)] {
        var count = 1
        while true {
            let size = (rows.count + count - 1) / max(count, 1)
            var batches: [(batch: PriceBatch, payload: Data)] = []
            for index in 0..<count {
                let slice =
                    rows.isEmpty ? [] : Array(rows[min(rows.count, index * size)..<min(rows.count, (index + 1) * size)])
                let batch = PriceBatch(
                    batchID: batchID, date: date, source: source, chunk: ChunkInfo(index: index, count: count),
                    replay: replay, rows: slice, stocks: index == 0 ? stocks : []
                )
                // Encoded once: the size check and the publish use the same bytes.
                batches.append((batch, try batch.encoded()))
            }
            let largest = batches.map(\.payload.count).max() ?? 0
            if largest <= payloadLimit { return batches }
            guard count < max(1, rows.count) else {
                throw PayloadTooLarge(date: date, bytes: largest, limit: payloadLimit)
            }
            count = min(rows.count, max(count + 1, count * largest / payloadLimit + 1))
        }
    }
}

/// A session that cannot be split under the payload limit (a single row larger than the limit).
package struct PayloadTooLarge: Error, CustomStringConvertible {
    /// The session.
    package var date: SessionDate
    /// The smallest chunk's size.
    package var bytes: Int
    /// The limit.
    package var limit: Int
    /// One line.
    package var description: String { "the batch of \(date) cannot fit \(limit) bytes (\(bytes))" }
}
