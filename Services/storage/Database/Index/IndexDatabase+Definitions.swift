import Contracts
import Foundation
import TradingCalendar

/// The SQL of the definition table.
private enum DefinitionSQL {
    static let all = "SELECT id, definition, job_id, created_at FROM index_definitions ORDER BY id"
    static let one = "SELECT id, definition, job_id, created_at FROM index_definitions WHERE id = ?"
    static let exists = "SELECT 1 FROM index_definitions WHERE id = ?"
    static let insert = """
        INSERT INTO index_definitions (id, definition, job_id, created_at)
        VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        """
    static let delete = "DELETE FROM index_definitions WHERE id = ?"
    static let deleteLevels = "DELETE FROM index_levels WHERE index_id = ?"
    static let deleteEvents = "DELETE FROM composition_events WHERE index_id = ?"
    static let sessions = "SELECT MIN(date), MAX(date), COUNT(*) FROM index_levels WHERE index_id = ?"
}

extension IndexDatabase {
    /// The definitions: `builtIn` first (in its order), then the stored ones by id; only `id`'s when given (empty
    /// when there is none), each with its stored index sessions.
    package func definitions(builtIn: [IndexDefinition], id: String? = nil) throws -> [StoredDefinition] {
        try read { connection in
            var found = builtIn.filter { id == nil || $0.id == id }.map {
                StoredDefinition(definition: $0, builtIn: true)
            }
            if let id {
                if found.isEmpty, let stored = try connection.queryFirst(DefinitionSQL.one, [.text(id)], Self.stored) {
                    found.append(stored)
                }
            } else {
                let builtInIDs = Set(builtIn.map(\.id))
                found += try connection.query(DefinitionSQL.all, [], Self.stored).filter {
                    !builtInIDs.contains($0.definition.id)
                }
            }
            for position in found.indices {
                let (first, last, count) =
                    try connection.queryFirst(
                        DefinitionSQL.sessions, [.text(found[position].definition.id)]
                    ) { (try $0.optionalDate(at: 0), try $0.optionalDate(at: 1), $0.int(at: 2)) } ?? (nil, nil, 0)
                found[position].firstSession = first
                found[position].lastSession = last
                found[position].sessions = count
            }
            return found
        }
    }

    /// Stores an added definition with the job that builds it; an id in use (`builtIn`'s or a stored one) changes
    /// nothing and is answered with what has it.
    package func addDefinition(
        _ definition: IndexDefinition, jobID: String, builtIn: [IndexDefinition]
    ) throws -> DefineIndexReply {
        if let existing = builtIn.first(where: { $0.id == definition.id }) {
            return DefineIndexReply(created: false, definition: StoredDefinition(definition: existing, builtIn: true))
        }
        let created = try write { connection -> Bool in
            guard try !Self.isStored(definition.id, in: connection) else { return false }
            // A definition removed earlier may have left results that arrived after its removal: start clean.
            try connection.execute(DefinitionSQL.deleteLevels, [.text(definition.id)])
            try connection.execute(DefinitionSQL.deleteEvents, [.text(definition.id)])
            try connection.execute(
                DefinitionSQL.insert, [.text(definition.id), .text(try StoredJSON.encode(definition)), .text(jobID)]
            )
            return true
        }
        guard let stored = try definitions(builtIn: [], id: definition.id).first else {
            throw SQLiteError.corrupt("definition \(definition.id) not found after it was stored")
        }
        return DefineIndexReply(created: created, definition: stored)
    }

    /// Removes an added definition and every stored result, constituent and composition event of it, in one
    /// transaction.
    package func removeDefinition(_ id: String, builtIn: [IndexDefinition]) throws -> RemoveIndexReply.Outcome {
        if builtIn.contains(where: { $0.id == id }) { return .builtIn }
        return try write { connection in
            guard try Self.isStored(id, in: connection) else { return .unknown }
            try connection.execute(DefinitionSQL.delete, [.text(id)])
            // Constituents and composition changes go with their parent rows (ON DELETE CASCADE).
            try connection.execute(DefinitionSQL.deleteLevels, [.text(id)])
            try connection.execute(DefinitionSQL.deleteEvents, [.text(id)])
            return .removed
        }
    }

    /// The stored metadata of every stock, by ticker.
    package func stocks() throws -> [StockInfo] {
        try read { connection in
            try connection.query("SELECT ticker, name, sector, exchange FROM stocks ORDER BY ticker") {
                StockInfo(
                    ticker: $0.string(at: 0), name: $0.string(at: 1), sector: $0.string(at: 2),
                    exchange: $0.string(at: 3))
            }
        }
    }

    /// Whether `id` names a built-in or a stored definition, in the open transaction.
    static func isDefined(_ id: String, in connection: SQLiteConnection) throws -> Bool {
        try Indexes.builtInIDs.contains(id) || isStored(id, in: connection)
    }

    /// Whether `id` names a stored (added) definition, in the open transaction.
    private static func isStored(_ id: String, in connection: SQLiteConnection) throws -> Bool {
        try connection.queryFirst(DefinitionSQL.exists, [.text(id)], { _ in true }) != nil
    }

    /// A stored definition from a row of (id, definition, job_id, created_at).
    private static func stored(_ row: Statement) throws -> StoredDefinition {
        let definition = try StoredJSON.decode(IndexDefinition.self, from: row.string(at: 1), column: "definition")
        guard definition.id == row.string(at: 0) else {
            throw SQLiteError.corrupt("definition \(row.string(at: 0)) holds the id \(definition.id)")
        }
        return StoredDefinition(
            definition: definition, builtIn: false, jobID: row.string(at: 2),
            createdAt: try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(row.string(at: 3))
        )
    }
}
