import Contracts
import Pipeline
import TradingCalendar

/// ``IndexReader`` over storage's queries.
package struct StorageIndexReader: IndexReader {
    private let storage: any StorageAsking

    /// A reader asking `storage`.
    package init(storage: any StorageAsking) {
        self.storage = storage
    }

    package func performance(index: String, range: DateRange) async throws -> [PerformancePoint] {
        try await storage.ask(PerformanceQuery(index: index, range: range)).points
    }

    package func composition(index: String, date: SessionDate) async throws -> CompositionReply {
        try await storage.ask(CompositionQuery(index: index, date: date))
    }

    package func compositions(index: String, range: DateRange) async throws -> [SessionComposition] {
        try await storage.ask(CompositionsQuery(index: index, range: range)).sessions
    }

    package func changes(index: String, range: DateRange) async throws -> [CompositionEvent] {
        try await storage.ask(ChangesQuery(index: index, range: range)).changes
    }

    package func sessions(index: String, range: DateRange) async throws -> [SessionRecord] {
        try await storage.ask(SessionsQuery(index: index, range: range)).sessions
    }

    package func corporateActions(range: DateRange, ticker: String?) async throws -> [ValidatedAction] {
        try await storage.ask(CorporateActionsQuery(range: range, ticker: ticker)).actions
    }

    package func definitions(id: String?) async throws -> [StoredDefinition] {
        try await storage.ask(DefinitionsQuery(id: id)).definitions
    }

    package func define(_ definition: IndexDefinition, jobID: String) async throws -> DefineIndexReply {
        try await storage.send(DefineIndexCommand(definition: definition, jobID: jobID), timeout: .seconds(10))
    }

    package func removeIndex(_ id: String) async throws -> RemoveIndexReply.Outcome {
        // Removing a long history deletes many rows in one transaction.
        try await storage.send(RemoveIndexCommand(id: id), timeout: .seconds(60)).outcome
    }

    package func isReachable() async -> Bool {
        (try? await storage.ask(StatusQuery(index: Indexes.defaultID))) != nil
    }
}
