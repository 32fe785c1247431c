// Storage commands: requests with a side effect.

/// An online backup of storage's database to a file on storage's host, taken while the pipeline runs.
package struct BackupCommand: StorageCommand, Equatable {
    package typealias Reply = BackupReply
    package static let kind = StorageRequestKind.backup

    /// The absolute path of the copy (replaced when it exists); storage writes it, so the path is on its host.
    package var destination: String
    /// The index whose stored sessions the reply counts.
    package var index: String

    /// A command.
    package init(destination: String, index: String) {
        self.destination = destination
        self.index = index
    }
}

/// A finished backup: where it is, its size, and what the copy itself says of its integrity and contents.
package struct BackupReply: StorageReply, Equatable {
    package static let answers = StorageRequestKind.backup

    /// The copy's path.
    package var destination: String
    /// Its size in bytes.
    package var bytes: Int
    /// `PRAGMA integrity_check` of the copy: `ok` (storage fails the request otherwise).
    package var integrity: String
    /// The copy's stored status: index sessions, first and last.
    package var status: StatusReply

    /// A reply.
    package init(destination: String, bytes: Int, integrity: String, status: StatusReply) {
        self.destination = destination
        self.bytes = bytes
        self.integrity = integrity
        self.status = status
    }
}

/// Adds an index definition; storage refuses an id in use (a built-in one included).
package struct DefineIndexCommand: StorageCommand, Equatable {
    package typealias Reply = DefineIndexReply
    package static let kind = StorageRequestKind.defineIndex

    /// The definition, already checked by ``IndexDefinition/parse(_:)``.
    package var definition: IndexDefinition
    /// The job that builds its history from stored prices and actions (its state is published by the index-builder).
    package var jobID: String

    /// A command.
    package init(definition: IndexDefinition, jobID: String) {
        self.definition = definition
        self.jobID = jobID
    }
}

/// What became of a ``DefineIndexCommand``.
package struct DefineIndexReply: StorageReply, Equatable {
    package static let answers = StorageRequestKind.defineIndex

    /// Whether the definition was stored; false when its id was already in use (nothing changed).
    package var created: Bool
    /// The stored definition under that id: the new one, or the one already there.
    package var definition: StoredDefinition

    /// A reply.
    package init(created: Bool, definition: StoredDefinition) {
        self.created = created
        self.definition = definition
    }
}

/// Removes an added definition with every stored result of it; built-in definitions are never removed.
package struct RemoveIndexCommand: StorageCommand, Equatable {
    package typealias Reply = RemoveIndexReply
    package static let kind = StorageRequestKind.removeIndex

    /// The definition's id.
    package var id: String

    /// A command.
    package init(id: String) { self.id = id }
}

/// What became of a ``RemoveIndexCommand``.
package struct RemoveIndexReply: StorageReply, Equatable {
    package static let answers = StorageRequestKind.removeIndex

    /// What storage did.
    package enum Outcome: String, Codable, Sendable {
        /// The definition and its results are gone.
        case removed
        /// No definition has that id.
        case unknown
        /// The id is a built-in definition's: nothing changed.
        case builtIn = "built_in"
    }

    /// What storage did.
    package var outcome: Outcome

    /// A reply.
    package init(outcome: Outcome) { self.outcome = outcome }
}
