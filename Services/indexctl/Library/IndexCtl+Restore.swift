import ArgumentParser
import Contracts
import Foundation
import Logging
import ServiceSupport
import StorageDatabase
import TradingCalendar

extension IndexCtl {
    /// `indexctl restore --from FILE`: puts a backup in place of storage's database, while storage is stopped.
    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the database under DATA_DIR with a backup; refuses while storage has it open.",
            discussion: "Stop the stack first (make down). The backup is copied, migrated to the current schema "
                + "and integrity-checked before it replaces anything; the database it replaces is kept next to it "
                + "as index.sqlite.before-restore-<time>. Start the stack again (make up), then back-fill the "
                + "sessions after the backup (indexctl backfill)."
        )

        @Option(help: "The backup file (written by indexctl backup).")
        var from: String

        @Option(name: .customLong("data-dir"), help: "The stack's data directory (DATA_DIR).")
        var dataDirectory: String?

        init() {}

        func run() async throws {
            do {
                let directory = try dataDirectory ?? ServiceConfiguration().dataDirectory
                print(try Self.restore(from: from, dataDirectory: directory))
            } catch let error as OperatorError {
                FileHandle.standardError.write(Data("indexctl restore: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }

        /// The database file storage opens under a data directory (as `Storage.databasePath`).
        static func databasePath(dataDirectory: String) -> String {
            (dataDirectory as NSString).appendingPathComponent("index.sqlite")
        }

        /// Restores `backup` into `dataDirectory`; returns the line to print.
        static func restore(from backup: String, dataDirectory: String) throws -> String {
            let files = FileManager.default
            guard files.fileExists(atPath: backup) else { throw OperatorError("no backup file at \(backup)") }
            try files.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
            let target = databasePath(dataDirectory: dataDirectory)
            if files.fileExists(atPath: target) { try refuseIfInUse(target) }

            let staging = target + ".restoring"
            removeDatabaseFiles(staging)
            try files.copyItem(atPath: backup, toPath: staging)
            let status: StatusReply
            do {
                var logger = Logger(label: "indexctl")
                logger.logLevel = .error
                // A scope, so the staged copy is closed (its WAL checkpointed) before it is renamed.
                let (integrity, staged) = try {
                    let database = try IndexDatabase(path: staging, readerCount: 1, logger: logger)
                    return (try database.integrityCheck(), try database.status(index: Subjects.defaultIndex))
                }()
                guard integrity == "ok" else { throw OperatorError("\(backup) fails its integrity check: \(integrity)") }
                status = staged
            } catch {
                removeDatabaseFiles(staging)
                if let error = error as? OperatorError { throw error }
                throw OperatorError("\(backup) is not a usable database: \(error)")
            }
            do {
                try forgetStreamSequences(staging)
            } catch {
                removeDatabaseFiles(staging)
                throw OperatorError("cannot prepare \(backup) for the stack: \(error)")
            }
            for suffix in ["-wal", "-shm"] { try? files.removeItem(atPath: staging + suffix) }

            var kept = ""
            if files.fileExists(atPath: target) {
                // The replaced database is kept, with its WAL (it may hold committed pages), not deleted.
                let stamp = ISO8601DateFormatter.string(
                    from: Date(), timeZone: .gmt, formatOptions: [.withYear, .withMonth, .withDay, .withTime]
                )
                let aside = target + ".before-restore-" + stamp
                for suffix in ["", "-wal", "-shm"] where files.fileExists(atPath: target + suffix) {
                    try files.moveItem(atPath: target + suffix, toPath: aside + suffix)
                }
                kept = "; the replaced database is kept as \(aside)"
            }
            try files.moveItem(atPath: staging, toPath: target)
            let range = status.firstIndexSession.map { " (\($0) ... \(status.lastIndexSession.map { "\($0)" } ?? "?"))" }
            var next = ""
            if let last = status.lastIndexSession, let after = NYSECalendar.standard.nextSession(after: last) {
                next = "\nnext: start the stack (make up), then back-fill what came after the backup: "
                    + "indexctl backfill --from \(after) --to <yesterday>"
            }
            return "restored \(backup) to \(target): integrity ok, \(status.indexSessions) index sessions"
                + (range ?? "") + kept + next
        }

        /// Marks every stored price batch's stream position as unknown (0).
        ///
        /// Storage and the index-builder keep the `PRICES_VALID` stream sequence of each stored batch so that a late
        /// redelivery of an older message cannot replace a newer batch. Those sequences belong to the JetStream
        /// store the backup was taken next to; against another store (a fresh `DATA_DIR`, a rebuilt broker) a
        /// newer message can carry a lower sequence and would be ignored, so a back-fill after the restore would
        /// stall. Unknown means "the next message for the day replaces it", which is what a restore needs.
        private static func forgetStreamSequences(_ path: String) throws {
            let connection = try SQLiteConnection(path: path, mode: .readWrite)
            // Checkpointed here, so the staged file alone holds the change before its WAL is removed.
            try connection.exec("UPDATE sessions SET sequence = 0 WHERE sequence <> 0; PRAGMA wal_checkpoint(TRUNCATE);")
        }

        /// Fails when another process (storage) has the database open: SQLite connections in WAL mode hold a
        /// shared lock on the file for as long as they are open, so an exclusive lock is refused at once.
        private static func refuseIfInUse(_ path: String) throws {
            let connection = try SQLiteConnection(path: path, mode: .readWrite, busyTimeoutMilliseconds: 0)
            do {
                try connection.exec("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;")
            } catch let error as SQLiteError where error.code & 0xFF == 5 {  // SQLITE_BUSY, whatever the extended code
                throw OperatorError(
                    "\(path) is open in another process (is storage running? stop the stack first: make down)"
                )
            }
        }

        private static func removeDatabaseFiles(_ path: String) {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
    }
}
