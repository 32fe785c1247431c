import TradingCalendar

/// One stored session rebuilt as the raw batch it was validated from, in chunks of at most `chunkRows` rows, so a
/// replay can re-publish it on `prices.raw` without asking the provider again.
///
/// Storage answers with chunk `chunk` of the rebuilt batch as a ``PriceBatch``: the stored batch id and source, the
/// rows in an order that validates to exactly the stored outcome (rejected rows at their stored positions), and the
/// stored metadata of its stocks on chunk 0. A date with no stored batch is answered with an error.
package struct StoredBatchQuery: StorageQuery, Equatable {
    package typealias Reply = PriceBatch
    package static let kind = StorageQueryKind.storedBatch
    package static let schema = "stored-batch-query"
    package static let version = 1

    /// The session.
    package var date: SessionDate
    /// The 0-based chunk asked for.
    package var chunk: Int
    /// Rows per chunk (the reply must fit one NATS message).
    package var chunkRows: Int

    /// A query for chunk `chunk` of `date`'s stored batch.
    package init(date: SessionDate, chunk: Int = 0, chunkRows: Int = 5000) {
        self.date = date
        self.chunk = chunk
        self.chunkRows = chunkRows
    }
}
