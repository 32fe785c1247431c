import Contracts
import Logging
import Pipeline
import StorageDatabase

extension StorageAnswers {
    /// Answers a definition's history in bulk: pages of many sessions' rows, and ranges of a series replaced (each
    /// command one transaction, off the concurrency pool); `committed` is told the index after a replacement.
    static func answerHistory(
        _ responder: inout StorageResponder, database: any StorageBackend, logger: Logger,
        committed: @escaping @Sendable (Set<String>) -> Void
    ) {
        responder.onEncoded(SessionRowsQuery.self) { query in
            try await database.sessionRows(range: query.range, maxBytes: query.maxBytes)
        }
        responder.on(StoreHistoryCommand.self) { command in
            let stored = try await database.storeHistory(command)
            if stored > 0 || !command.results.isEmpty {
                logger.debug(
                    "history stored",
                    metadata: [
                        "index": "\(command.index)", "index.sessions": "\(stored)",
                        "index.range": "\(command.range.start)...\(command.range.end)",
                    ]
                )
            }
            committed([command.index])
            return StoreHistoryReply(stored: stored)
        }
    }
}
