import Contracts
import Foundation
import Logging
import Pipeline
import StorageDatabase

/// What storage answers, request by request, from the backend (and the backup command).
package struct StorageAnswers: Sendable {
    private let database: any StorageBackend
    private let logger: Logger
    private let builtIn: [IndexDefinition]
    private let committed: @Sendable (Set<String>) -> Void

    /// Answers over `database`.
    /// - Parameters:
    ///   - builtIn: the built-in definitions (they follow the configuration's `INDEX_SIZE`).
    ///   - committed: told the index ids (and ``Subjects/storedDefinitions``) after a definition is added or removed.
    package init(
        database: any StorageBackend, logger: Logger, builtIn: [IndexDefinition] = IndexDefinition.builtIn(),
        committed: @escaping @Sendable (Set<String>) -> Void = { _ in }
    ) {
        self.database = database
        self.logger = logger
        self.builtIn = builtIn
        self.committed = committed
    }

    /// The responder for every request kind; the backend keeps its blocking work (SQLite) off the concurrency pool.
    package var responder: StorageResponder {
        let database = self.database
        let logger = self.logger
        let builtIn = self.builtIn
        let committed = self.committed
        var responder = StorageResponder()
        responder.on(PerformanceQuery.self) { query in
            PerformanceReply(points: try await database.performance(index: query.index, range: query.range))
        }
        responder.on(CompositionQuery.self) { query in
            try await database.composition(index: query.index, on: query.date)
        }
        responder.on(CompositionsQuery.self) { query in
            CompositionsReply(sessions: try await database.compositions(index: query.index, range: query.range))
        }
        responder.on(ChangesQuery.self) { query in
            ChangesReply(changes: try await database.changes(index: query.index, range: query.range))
        }
        responder.on(SessionsQuery.self) { query in
            SessionsReply(sessions: try await database.sessionRecords(index: query.index, range: query.range))
        }
        responder.on(SessionPricesQuery.self) { query in
            let stored = try await database.validRows(on: query.date)
            return SessionPricesReply(record: stored?.record, rows: stored?.rows ?? [])
        }
        responder.on(PriceHistoryQuery.self) { query in
            PriceHistoryReply(
                closes: try await database.closes(range: query.range),
                splits: try await database.acceptedSplits(range: query.range)
            )
        }
        responder.on(IndexResultQuery.self) { query in
            IndexResultReply(result: try await database.indexResult(index: query.index, on: query.date))
        }
        responder.on(StatusQuery.self) { query in
            try await database.status(index: query.index)
        }
        responder.on(StoredBatchQuery.self) { query in
            StoredBatchReply(batch: try await StoredBatchReader(database: database).batch(query.date))
        }
        responder.on(CorporateActionsQuery.self) { query in
            CorporateActionsReply(
                actions: try await database.corporateActions(
                    range: query.range, ticker: query.ticker, acceptedOnly: query.acceptedOnly
                )
            )
        }
        responder.on(StocksQuery.self) { _ in
            StocksReply(stocks: try await database.stocks())
        }
        responder.on(DefinitionsQuery.self) { query in
            DefinitionsReply(definitions: try await database.definitions(builtIn: builtIn, id: query.id))
        }
        responder.on(DefineIndexCommand.self) { command in
            let reply = try await database.addDefinition(command.definition, jobID: command.jobID, builtIn: builtIn)
            if reply.created {
                logger.info(
                    "definition added", metadata: ["index": "\(command.definition.id)", "job.id": "\(command.jobID)"]
                )
                committed([Subjects.storedDefinitions, command.definition.id])
            }
            return reply
        }
        responder.on(RemoveIndexCommand.self) { command in
            let outcome = try await database.removeDefinition(command.id, builtIn: builtIn)
            if outcome == .removed {
                logger.info("definition removed", metadata: ["index": "\(command.id)"])
                committed([Subjects.storedDefinitions, command.id])
            }
            return RemoveIndexReply(outcome: outcome)
        }
        responder.on(BackupCommand.self) { command in
            try await database.backup(command)
        }
        Self.answerHistory(&responder, database: database, logger: logger, committed: committed)
        return responder
    }
}
