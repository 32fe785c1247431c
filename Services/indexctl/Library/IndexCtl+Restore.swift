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
                + "as index.sqlite.before-restore-<time>, the local JetStream store as "
                + "jetstream.before-restore-<time>. Results that were in flight when the backup was taken are "
                + "dropped from the restored copy (never prices). Start the stack again (make up), then back-fill "
                + "from the session restore names (indexctl backfill). With DATABASE_URL (PostgreSQL), FILE is a "
                + "pg_dump custom-format archive restored with pg_restore in one transaction; the replaced database "
                + "is kept as DATA_DIR/index.before-restore-<time>.dump."
        )

        @Option(help: "The backup file (written by indexctl backup).")
        var from: String

        @Option(name: .customLong("data-dir"), help: "The stack's data directory (DATA_DIR).")
        var dataDirectory: String?

        @Option(
            name: .customLong("database-url"),
            help: "Storage's PostgreSQL database (DATABASE_URL): restore a pg_dump archive into it with pg_restore.")
        var databaseURL: String?

        init() {}

        func run() async throws {
            do {
                let directory = try dataDirectory ?? ServiceConfiguration().dataDirectory
                if let url = PostgresTools.databaseURL(databaseURL) {
                    let stamp = ISO8601DateFormatter.string(
                        from: Date(), timeZone: .gmt, formatOptions: [.withYear, .withMonth, .withDay, .withTime]
                    )
                    print(
                        try PostgresTools.restore(
                            from: from, url: url, dataDirectory: directory,
                            localStores: { try Self.localJetStreamStores(directory) },
                            setAside: { try Self.setAside($0, stamp: stamp) }
                        ))
                } else {
                    print(try Self.restore(from: from, dataDirectory: directory))
                }
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
            let index = Indexes.defaultID
            guard files.fileExists(atPath: backup) else { throw OperatorError("no backup file at \(backup)") }
            try files.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
            let target = databasePath(dataDirectory: dataDirectory)
            if files.fileExists(atPath: target) { try refuseIfInUse(target) }
            let jetStreamStores = try localJetStreamStores(dataDirectory)

            let staging = target + ".restoring"
            removeDatabaseFiles(staging)
            try files.copyItem(atPath: backup, toPath: staging)
            var logger = Logger(label: "indexctl")
            logger.logLevel = .error
            let resumeFrom: SessionDate?
            do {
                // A scope, so the staged copy is closed (its WAL checkpointed) before it is changed and renamed.
                let (integrity, resume) = try {
                    let database = try IndexDatabase(path: staging, readerCount: 1, logger: logger)
                    return (try database.integrityCheck(), try firstUnfinishedSession(database, index: index))
                }()
                guard integrity == "ok" else {
                    throw OperatorError("\(backup) fails its integrity check: \(integrity)")
                }
                resumeFrom = resume
            } catch {
                removeDatabaseFiles(staging)
                if let error = error as? OperatorError { throw error }
                throw OperatorError("\(backup) is not a usable database: \(error)")
            }
            let dropped: Int
            let status: StatusReply
            do {
                dropped = try prepareForNewPipeline(staging, resumeFrom: resumeFrom)
                status = try IndexDatabase(path: staging, readerCount: 1, logger: logger).status(index: index)
            } catch {
                removeDatabaseFiles(staging)
                throw OperatorError("cannot prepare \(backup) for the stack: \(error)")
            }
            for suffix in ["-wal", "-shm"] { try? files.removeItem(atPath: staging + suffix) }

            var kept = ""
            let stamp = ISO8601DateFormatter.string(
                from: Date(), timeZone: .gmt, formatOptions: [.withYear, .withMonth, .withDay, .withTime]
            )
            if files.fileExists(atPath: target) {
                // The replaced database is kept, with its WAL (it may hold committed pages), not deleted.
                let aside = target + ".before-restore-" + stamp
                for suffix in ["", "-wal", "-shm"] where files.fileExists(atPath: target + suffix) {
                    try files.moveItem(atPath: target + suffix, toPath: aside + suffix)
                }
                kept = "; the replaced database is kept as \(aside)"
            }
            kept += try setAside(jetStreamStores, stamp: stamp)
            try files.moveItem(atPath: staging, toPath: target)
            let last = status.lastIndexSession.map { "\($0)" } ?? "?"
            let range = status.firstIndexSession.map { " (\($0) ... \(last))" }
            var next = ""
            if let resumeFrom {
                if dropped > 0 {
                    next +=
                        "\n\(dropped) index session(s) from \(resumeFrom) on were still in flight when the backup "
                        + "was taken (not all their results stored); they were dropped from the restored copy, their "
                        + "prices kept"
                }
                next +=
                    "\nnext: start the stack (make up), then back-fill from the first session the backup does "
                    + "not hold in full: indexctl backfill --from \(resumeFrom) --to <yesterday>"
            }
            return "restored \(backup) to \(target): integrity ok, \(status.indexSessions) index sessions"
                + (range ?? "") + kept + next
        }

        /// The local stack's JetStream stores under `dataDirectory` (`make up` keeps one store, or one a node with
        /// NATS_CLUSTER: jetstream-1, jetstream-2, ...); fails when its nats-server runs on them.
        static func localJetStreamStores(_ dataDirectory: String) throws -> [String] {
            let stores = (["jetstream"] + (1...Self.mostClusterNodes).map { "jetstream-\($0)" })
                .map { (dataDirectory as NSString).appendingPathComponent($0) }
                .filter { FileManager.default.fileExists(atPath: $0) }
            if !stores.isEmpty { try refuseIfBrokerRuns(dataDirectory) }
            return stores
        }

        /// Moves the local JetStream stores aside (`<store>.before-restore-<stamp>`); what to tell the operator.
        ///
        /// The local broker's store describes a pipeline history newer than the backup: consumers past messages the
        /// backup lacks, and message ids JetStream still de-duplicates (for 10 minutes), which would silently drop
        /// the back-fill's re-published results. The stack starts on a fresh store.
        static func setAside(_ stores: [String], stamp: String) throws -> String {
            var kept = ""
            for store in stores {
                let aside = store + ".before-restore-" + stamp
                try FileManager.default.moveItem(atPath: store, toPath: aside)
                kept += "; the JetStream store is kept as \(aside) (the stack starts a fresh one)"
            }
            return kept
        }

        /// The first session a back-fill after the restore must start from: the earliest of the first session
        /// whose prices are stored without their index result, the first index session (after the base) without
        /// its composition event, and the session after the last index session. A backup taken while the pipeline
        /// runs can hold a stage's output without the next stage's (it was in flight); those messages are in the
        /// old JetStream store, not in the backup, so only a back-fill from there completes the series.
        private static func firstUnfinishedSession(_ database: IndexDatabase, index: String) throws -> SessionDate? {
            try firstUnfinishedSession(
                incomplete: database.sessionRecords(index: index, range: .coverage).filter { !$0.isComplete }
                    .map(\.date),
                levels: database.performance(index: index, range: .coverage).map(\.date)
            ) { try database.compositionEvent(index: index, on: $0) != nil }
        }

        /// ``firstUnfinishedSession(_:index:)`` over what a database holds: the dates of the sessions stored without
        /// their index result, the dates of the index levels (in order), and whether a date has a composition event.
        static func firstUnfinishedSession(
            incomplete: [SessionDate], levels: [SessionDate], hasEvent: (SessionDate) throws -> Bool
        ) rethrows -> SessionDate? {
            let calendar = NYSECalendar.standard
            var candidates: [SessionDate] = []
            if let unfinished = incomplete.first(where: { calendar.isSession($0) }) { candidates.append(unfinished) }
            for date in levels.dropFirst() where try !hasEvent(date) {
                candidates.append(date)
                break
            }
            if let last = levels.last, let after = calendar.nextSession(after: last) { candidates.append(after) }
            return candidates.min()
        }

        /// Readies the staged copy for a pipeline that starts from it; returns how many index sessions it dropped.
        ///
        /// - Every stored price batch's stream position becomes unknown (0), and so does every stored index result's
        ///   and composition event's (`index_result_sequences` emptied). Storage and the index-builder keep the
        ///   `PRICES_VALID` stream sequence of each batch so that a late redelivery of an older message cannot
        ///   replace a newer batch; those sequences belong to the JetStream store the backup was taken next to.
        ///   Against another store a newer message can carry a lower sequence and would be ignored, so a back-fill
        ///   after the restore would stall. Unknown means "the next message for the day replaces it".
        /// - Index levels and composition events from `resumeFrom` on are dropped (never prices): they are the
        ///   in-flight tail of a backup taken while the pipeline ran, and a stored level makes the index-builder
        ///   treat its session as done, so a composition event that never arrived would never be computed. The
        ///   back-fill from `resumeFrom` recomputes them from the stored prices.
        private static func prepareForNewPipeline(_ path: String, resumeFrom: SessionDate?) throws -> Int {
            let connection = try SQLiteConnection(path: path, mode: .readWrite)
            try connection.exec("PRAGMA foreign_keys = ON; BEGIN IMMEDIATE;")
            do {
                try connection.exec("UPDATE sessions SET sequence = 0 WHERE sequence <> 0")
                // The same for the `INDEX` stream positions that guard stored results and events.
                try connection.exec("DELETE FROM index_result_sequences")
                var dropped = 0
                if let resumeFrom {
                    let date = SQLiteValue.text(resumeFrom.description)
                    // The foreign keys cascade to composition_changes and index_constituents.
                    try connection.execute("DELETE FROM composition_events WHERE date >= ?", [date])
                    try connection.execute("DELETE FROM index_levels WHERE date >= ?", [date])
                    dropped = connection.changes
                }
                try connection.exec("COMMIT")
                // Checkpointed here, so the staged file alone holds the change before its WAL is removed.
                try connection.exec("PRAGMA wal_checkpoint(TRUNCATE)")
                return dropped
            } catch {
                try? connection.exec("ROLLBACK")
                throw error
            }
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

        /// Fails when the local stack's nats-server (`make up`) runs on this data directory's JetStream store.
        private static func refuseIfBrokerRuns(_ dataDirectory: String) throws {
            for name in ["nats-server"] + (1...mostClusterNodes).map({ "nats-server-\($0)" }) {
                let pidFile = (dataDirectory as NSString).appendingPathComponent("run/\(name).pid")
                guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
                    let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), kill(pid, 0) == 0,
                    let commandLine = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                    let argv0 = commandLine.split(separator: 0).first,
                    (String(decoding: argv0, as: UTF8.self) as NSString).lastPathComponent == "nats-server"
                else { continue }
                throw OperatorError(
                    "\(name) (pid \(pid)) runs on a JetStream store under \(dataDirectory): "
                        + "stop the stack first: make down"
                )
            }
        }

        /// The most nodes `make up NATS_CLUSTER=N` starts (scripts/stack.sh).
        static let mostClusterNodes = 5

        private static func removeDatabaseFiles(_ path: String) {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
    }
}
