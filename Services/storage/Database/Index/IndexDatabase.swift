import CSQLite
import Contracts
import Foundation
import Logging
import Synchronization

/// The storage service's SQLite database: one writer connection and a small pool of readers over one WAL file.
///
/// Every write method runs in one transaction (`BEGIN IMMEDIATE`) and is idempotent, so a message redelivered after a
/// crash between commit and ack changes nothing. The batch variants apply many messages in one transaction: ack them
/// after the call returns. Readers see the last committed snapshot and never wait for the writer (WAL).
/// All methods block the calling thread for the duration of the SQL; they are safe to call from any task.
package final class IndexDatabase: Sendable {
    /// The database file.
    package let path: String
    /// The single writer; its lock serialises write transactions within the process.
    private let writer: GuardedConnection
    /// Read-only connections, used round robin.
    private let readers: [GuardedConnection]
    /// The next reader to try first.
    private let nextReader = Atomic<Int>(0)
    /// Stock metadata as last written by this process: a batch repeating it writes nothing (a back-fill would
    /// otherwise upsert every listed stock once per session).
    let writtenStocks = Mutex<[String: StockInfo]>([:])
    /// Where migrations and backups are reported.
    private let logger: Logger

    /// Opens (creating when missing) and migrates the database at `path`.
    /// - Parameters:
    ///   - path: the file; its folder is created when missing. WAL needs a real file, not `:memory:`.
    ///   - synchronous: `.full` (default) syncs every commit, so an acked write survives power loss; `.normal` is
    ///     faster and still crash-safe, but may lose the last commits on power loss.
    ///   - readerCount: read connections in the pool (at least 1).
    ///   - cacheKiB: the writer's page cache, in KiB: the b-tree pages every write of a session's rows goes through.
    ///   - readerCacheKiB: each reader's page cache, in KiB. Readers answer small queries (a year of levels, a
    ///     session's rows) over a file the operating system's page cache holds, so a small cache each keeps storage's
    ///     memory bounded (issue 15 item 4).
    ///   - busyTimeoutMilliseconds: how long a statement waits for another process's lock.
    ///   - logger: for migrations and backups.
    package init(
        path: String, synchronous: SynchronousMode = .full, readerCount: Int = 4, cacheKiB: Int = 16_384,
        readerCacheKiB: Int = 4_096,
        busyTimeoutMilliseconds: Int32 = 5_000, logger: Logger = Logger(label: "storage.database")
    ) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let connection = try SQLiteConnection(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        let journal = try connection.pragma("PRAGMA journal_mode = WAL")
        guard journal?.lowercased() == "wal" else {
            throw SQLiteError(
                code: SQLITE_ERROR, message: "cannot use WAL on \(path): journal_mode is \(journal ?? "?")")
        }
        try connection.exec(
            """
            PRAGMA synchronous = \(synchronous.rawValue);
            PRAGMA foreign_keys = ON;
            PRAGMA cache_size = -\(cacheKiB);
            PRAGMA temp_store = MEMORY;
            """
        )
        let applied = try IndexSchema.migrator.migrate(connection, logger: logger)
        self.path = path
        self.logger = logger
        self.writer = GuardedConnection(connection)
        self.readers = try (0..<max(1, readerCount)).map { _ in
            let reader = try SQLiteConnection(
                path: path, mode: .readOnly, busyTimeoutMilliseconds: busyTimeoutMilliseconds
            )
            try reader.exec("PRAGMA cache_size = -\(readerCacheKiB); PRAGMA temp_store = MEMORY;")
            return GuardedConnection(reader)
        }
        logger.debug(
            "opened database",
            metadata: [
                "db.path": "\(path)", "db.synchronous": "\(synchronous.rawValue)",
                "db.migrations_applied": "\(applied)", "db.readers": "\(readers.count)",
            ]
        )
    }

    // MARK: Connections

    /// Runs `body` in one write transaction on the writer connection.
    func write<T: Sendable>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try writer.withConnection { connection in
            try connection.transaction { try body(connection) }
        }
    }

    /// Runs `body` in one read transaction (one snapshot) on a free reader, or waits for one.
    func read<T: Sendable>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        let start = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue
        let count = readers.count
        for offset in 0..<count {
            let slot = readers[(start &+ offset) % count]
            if let result = try slot.withConnectionIfAvailable({ connection in
                try connection.readTransaction { try body(connection) }
            }) {
                return result
            }
        }
        return try readers[start % count].withConnection { connection in
            try connection.readTransaction { try body(connection) }
        }
    }

    // MARK: Maintenance

    /// The value of `PRAGMA <name>` on the writer connection (`synchronous`, `foreign_keys`, ...), for diagnostics.
    package func writerPragma(_ name: String) throws -> String? {
        precondition(name.allSatisfy { $0.isLetter || $0 == "_" }, "not a pragma name: \(name)")
        return try writer.withConnection { try $0.pragma("PRAGMA \(name)") }
    }

    /// The value of `PRAGMA <name>` on a reader connection (`cache_size`, ...), for diagnostics.
    package func readerPragma(_ name: String) throws -> String? {
        precondition(name.allSatisfy { $0.isLetter || $0 == "_" }, "not a pragma name: \(name)")
        return try read { try $0.pragma("PRAGMA \(name)") }
    }

    /// `PRAGMA integrity_check`: `ok`, or the problems found, one per line.
    package func integrityCheck() throws -> String {
        try read { connection in
            try connection.query("PRAGMA integrity_check") { $0.string(at: 0) }.joined(separator: "\n")
        }
    }

    /// Copies the database to `destination` (replacing it) while writes go on: the copy is one consistent snapshot.
    ///
    /// The online backup API runs in a single step on a separate read connection: under WAL that holds a read
    /// snapshot without blocking the writer, so the copy neither restarts on concurrent commits nor delays them.
    package func backup(to destination: String) throws {
        let source = try SQLiteConnection(path: path, mode: .readOnly)
        let target = try SQLiteConnection(path: destination)
        guard let backup = sqlite3_backup_init(target.handle, "main", source.handle, "main") else {
            throw SQLiteError.last(on: target.handle, code: sqlite3_errcode(target.handle), sql: nil)
        }
        let stepCode = sqlite3_backup_step(backup, -1)
        let finishCode = sqlite3_backup_finish(backup)
        guard stepCode == SQLITE_DONE else {
            throw SQLiteError.last(on: target.handle, code: stepCode, sql: nil)
        }
        guard finishCode == SQLITE_OK else {
            throw SQLiteError.last(on: target.handle, code: finishCode, sql: nil)
        }
        logger.info("backed up database", metadata: ["db.path": "\(path)", "db.backup": "\(destination)"])
    }
}
