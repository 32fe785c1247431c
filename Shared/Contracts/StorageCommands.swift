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
