import Contracts
import Foundation
import Logging

/// Carries out a ``BackupCommand``: an online copy of the live database that is checked before it is handed over.
///
/// The copy is written next to the destination under a temporary name, opened on its own and checked with
/// `PRAGMA integrity_check`; only a copy that checks `ok` is renamed to the destination, so a failed or interrupted
/// backup never leaves a file that looks like a good one.
package enum DatabaseBackup {
    /// Takes the backup; blocks the calling thread for the length of the copy.
    package static func run(_ command: BackupCommand, database: IndexDatabase, logger: Logger) throws -> BackupReply {
        let destination = command.destination
        guard destination.hasPrefix("/") else {
            throw BackupError("the backup destination must be an absolute path, got \(destination)")
        }
        let live = URL(fileURLWithPath: database.path).standardizedFileURL.path
        guard URL(fileURLWithPath: destination).standardizedFileURL.path != live else {
            throw BackupError("the backup destination is the live database itself: \(destination)")
        }
        // Unique, so two backups to the same file at once do not write one temporary file.
        let partial = destination + ".partial-" + UUID().uuidString.lowercased()
        let files = FileManager.default
        do {
            try database.backup(to: partial)
            // A scope, so the copy's connections are closed (and its WAL checkpointed) before the rename.
            let (integrity, status) = try {
                let copy = try IndexDatabase(path: partial, readerCount: 1, logger: logger)
                return (try copy.integrityCheck(), try copy.status(index: command.index))
            }()
            guard integrity == "ok" else {
                throw BackupError("the copy failed its integrity check: \(integrity)")
            }
            // Closing the copy checkpointed its WAL; a WAL still holding pages would be lost by the rename.
            if let walBytes = try? files.attributesOfItem(atPath: partial + "-wal")[.size] as? NSNumber,
                walBytes.intValue > 0
            {
                throw BackupError("the copy kept a non-empty WAL after closing; not renaming it")
            }
            removeDatabaseFiles(at: partial, keepingMain: true)
            if files.fileExists(atPath: destination) { try files.removeItem(atPath: destination) }
            try files.moveItem(atPath: partial, toPath: destination)
            let bytes = (try files.attributesOfItem(atPath: destination)[.size] as? NSNumber)?.intValue ?? 0
            logger.notice(
                "backup written",
                metadata: [
                    "backup.path": "\(destination)", "backup.bytes": "\(bytes)",
                    "backup.index_sessions": "\(status.indexSessions)",
                ]
            )
            return BackupReply(destination: destination, bytes: bytes, integrity: integrity, status: status)
        } catch {
            removeDatabaseFiles(at: partial)
            throw error
        }
    }

    /// Removes a database file and its WAL and shared-memory files, ignoring those that are not there.
    private static func removeDatabaseFiles(at path: String, keepingMain: Bool = false) {
        let paths = keepingMain ? [path + "-wal", path + "-shm"] : [path, path + "-wal", path + "-shm"]
        for file in paths { try? FileManager.default.removeItem(atPath: file) }
    }
}

/// A backup that could not be taken; the requester gets its description.
struct BackupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
