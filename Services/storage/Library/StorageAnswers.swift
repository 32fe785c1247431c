import Contracts
import Foundation
import Logging
import Pipeline
import Resilience
import StorageDatabase

/// What storage answers, request by request, from the database's read connections (and the backup command).
package struct StorageAnswers: Sendable {
    private let database: IndexDatabase
    private let logger: Logger
    private let builtIn: [IndexDefinition]
    private let committed: @Sendable (Set<String>) -> Void

    /// Answers over `database`.
    /// - Parameters:
    ///   - builtIn: the built-in definitions (they follow the configuration's `INDEX_SIZE`).
    ///   - committed: told the index ids (and ``Subjects/storedDefinitions``) after a definition is added or removed.
    package init(
        database: IndexDatabase, logger: Logger, builtIn: [IndexDefinition] = IndexDefinition.builtIn(),
        committed: @escaping @Sendable (Set<String>) -> Void = { _ in }
    ) {
        self.database = database
        self.logger = logger
        self.builtIn = builtIn
        self.committed = committed
    }

    /// The responder for every request kind; each answer runs off the concurrency pool (SQLite blocks).
    package var responder: StorageResponder {
        let database = self.database
        let logger = self.logger
        let builtIn = self.builtIn
        let committed = self.committed
        var responder = StorageResponder()
        responder.on(PerformanceQuery.self) { query in
            try await runBlocking {
                PerformanceReply(points: try database.performance(index: query.index, range: query.range))
            }
        }
        responder.on(CompositionQuery.self) { query in
            try await runBlocking { try database.composition(index: query.index, on: query.date) }
        }
        responder.on(CompositionsQuery.self) { query in
            try await runBlocking {
                CompositionsReply(sessions: try database.compositions(index: query.index, range: query.range))
            }
        }
        responder.on(ChangesQuery.self) { query in
            try await runBlocking {
                ChangesReply(changes: try database.changes(index: query.index, range: query.range))
            }
        }
        responder.on(SessionsQuery.self) { query in
            try await runBlocking {
                SessionsReply(sessions: try database.sessionRecords(index: query.index, range: query.range))
            }
        }
        responder.on(SessionPricesQuery.self) { query in
            try await runBlocking {
                let stored = try database.validRows(on: query.date)
                return SessionPricesReply(record: stored?.record, rows: stored?.rows ?? [])
            }
        }
        responder.on(PriceHistoryQuery.self) { query in
            try await runBlocking {
                PriceHistoryReply(
                    closes: try database.closes(range: query.range),
                    splits: try database.acceptedSplits(range: query.range)
                )
            }
        }
        responder.on(IndexResultQuery.self) { query in
            try await runBlocking {
                IndexResultReply(result: try database.indexResult(index: query.index, on: query.date))
            }
        }
        responder.on(StatusQuery.self) { query in
            try await runBlocking { try database.status(index: query.index) }
        }
        responder.on(StoredBatchQuery.self) { query in
            try await runBlocking {
                StoredBatchReply(batch: try StoredBatchReader(database: database).batch(query.date))
            }
        }
        responder.on(CorporateActionsQuery.self) { query in
            try await runBlocking {
                CorporateActionsReply(
                    actions: try database.corporateActions(
                        range: query.range, ticker: query.ticker, acceptedOnly: query.acceptedOnly
                    )
                )
            }
        }
        responder.on(StocksQuery.self) { _ in
            try await runBlocking { StocksReply(stocks: try database.stocks()) }
        }
        responder.on(DefinitionsQuery.self) { query in
            try await runBlocking {
                DefinitionsReply(definitions: try database.definitions(builtIn: builtIn, id: query.id))
            }
        }
        responder.on(DefineIndexCommand.self) { command in
            let reply = try await runBlocking {
                try database.addDefinition(command.definition, jobID: command.jobID, builtIn: builtIn)
            }
            if reply.created {
                logger.info(
                    "definition added", metadata: ["index": "\(command.definition.id)", "job.id": "\(command.jobID)"]
                )
                committed([Subjects.storedDefinitions, command.definition.id])
            }
            return reply
        }
        responder.on(RemoveIndexCommand.self) { command in
            let outcome = try await runBlocking { try database.removeDefinition(command.id, builtIn: builtIn) }
            if outcome == .removed {
                logger.info("definition removed", metadata: ["index": "\(command.id)"])
                committed([Subjects.storedDefinitions, command.id])
            }
            return RemoveIndexReply(outcome: outcome)
        }
        responder.on(BackupCommand.self) { command in
            try await runBlocking { try DatabaseBackup.run(command, database: database, logger: logger) }
        }
        Self.answerHistory(&responder, database: database, logger: logger, committed: committed)
        return responder
    }
}
