import Contracts
import Dispatch
import Foundation
import Logging
import NATSClient
import StorageDatabase

/// Answers `storage.query.<kind>` requests from the database's read connections.
package struct QueryResponder: Sendable {
    private let database: IndexDatabase
    private let logger: Logger

    /// A responder over `database`.
    package init(database: IndexDatabase, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Serves every query kind until cancelled (queue group `storage`, so several instances could share them).
    package func serve(on connection: NATSConnection) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for kind in StorageQueryKind.allCases {
                group.addTask {
                    try await connection.serve(Subjects.storageQuery(kind), queue: "storage", concurrency: 4) {
                        request in
                        try await answer(kind, request)
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Answers one request; a query that does not decode is answered with an error, not dropped.
    package func answer(_ kind: StorageQueryKind, _ request: NATSMessage) async throws -> NATSReply {
        let database = self.database
        let logger = self.logger
        let data = request.data
        let headers = request.headers
        return try await runBlocking {
            switch kind {
            case .performance:
                let query = try PerformanceQuery.decoded(from: data, headers: headers)
                return try reply(PerformanceReply(points: database.performance(index: query.index, range: query.range)))
            case .composition:
                let query = try CompositionQuery.decoded(from: data, headers: headers)
                return try reply(database.composition(index: query.index, on: query.date))
            case .changes:
                let query = try ChangesQuery.decoded(from: data, headers: headers)
                return try reply(ChangesReply(changes: database.changes(index: query.index, range: query.range)))
            case .sessions:
                let query = try SessionsQuery.decoded(from: data, headers: headers)
                return try reply(
                    SessionsReply(sessions: database.sessionRecords(index: query.index, range: query.range)))
            case .sessionPrices:
                let query = try SessionPricesQuery.decoded(from: data, headers: headers)
                let stored = try database.validRows(on: query.date)
                return try reply(SessionPricesReply(record: stored?.record, rows: stored?.rows ?? []))
            case .priceHistory:
                let query = try PriceHistoryQuery.decoded(from: data, headers: headers)
                return try reply(PriceHistoryReply(closes: database.closes(range: query.range)))
            case .indexResult:
                let query = try IndexResultQuery.decoded(from: data, headers: headers)
                return try reply(IndexResultReply(result: database.indexResult(index: query.index, on: query.date)))
            case .status:
                let query = try StatusQuery.decoded(from: data, headers: headers)
                return try reply(database.status(index: query.index))
            case .storedBatch:
                let query = try StoredBatchQuery.decoded(from: data, headers: headers)
                return try reply(StoredBatchReader(database: database).answer(query))
            case .backup:
                let query = try BackupQuery.decoded(from: data, headers: headers)
                return try reply(DatabaseBackup.run(query, database: database, logger: logger))
            }
        }
    }
}

private func reply(_ message: some WireMessage) throws -> NATSReply {
    NATSReply(data: try message.encoded(), headers: message.headers)
}
