import CSQLite

/// One SQLite connection (`sqlite3*`): exec, prepared and cached statements, transactions.
///
/// Not `Sendable`: a connection is used by one thread at a time. ``IndexDatabase`` keeps each one inside a `Mutex`.
package final class SQLiteConnection {
    /// How a connection opens its file.
    package enum Mode: Sendable {
        /// Read and write, creating the file when it is missing.
        case readWriteCreate
        /// Read and write an existing file.
        case readWrite
        /// Read only: every write fails.
        case readOnly
    }

    /// The `sqlite3*`.
    let handle: OpaquePointer
    /// The file path.
    package let path: String
    /// Statements kept prepared for the hot paths, by SQL text.
    private var cache: [String: Statement] = [:]

    /// Opens (or creates) the database at `path` and sets the busy timeout.
    /// - Parameters:
    ///   - path: the file; `:memory:` for a private in-memory database.
    ///   - mode: read-write-create (default), read-write or read-only.
    ///   - busyTimeoutMilliseconds: how long a statement waits for another connection's lock before `SQLITE_BUSY`.
    package init(path: String, mode: Mode = .readWriteCreate, busyTimeoutMilliseconds: Int32 = 5_000) throws {
        var flags: Int32 =
            switch mode {
            case .readWriteCreate: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
            case .readWrite: SQLITE_OPEN_READWRITE
            case .readOnly: SQLITE_OPEN_READONLY
            }
        // Each connection is confined to one thread at a time by its owner, so SQLite's own mutex is not needed.
        flags |= SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        var handle: OpaquePointer?
        let code = sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let error = SQLiteError.last(on: handle, code: code, sql: nil)
            sqlite3_close_v2(handle)
            throw SQLiteError(code: error.code, message: "cannot open \(path): \(error.message)")
        }
        self.handle = handle
        self.path = path
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
    }

    deinit {
        cache.removeAll()
        // close_v2 defers the close until any statement still alive elsewhere is finalized.
        sqlite3_close_v2(handle)
    }

    // MARK: Executing

    /// Runs one or more statements separated by `;`, without parameters or results.
    package func exec(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        guard code == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw SQLiteError(code: code, message: text, sql: sql)
        }
    }

    /// Prepares `sql` (one statement) for this use only; it is finalized when released.
    package func prepare(_ sql: String) throws -> Statement {
        try Statement(db: handle, sql: sql)
    }

    /// The prepared statement for `sql`, kept for reuse: for statements run often (inserts in a loop, hot queries).
    package func cached(_ sql: String) throws -> Statement {
        if let statement = cache[sql] {
            statement.reset()
            return statement
        }
        let statement = try prepare(sql)
        cache[sql] = statement
        return statement
    }

    /// Runs `sql` with `values` bound to its parameters, ignoring any rows.
    package func execute(_ sql: String, _ values: [SQLiteValue] = []) throws {
        let statement = try cached(sql)
        try statement.bind(values)
        try statement.run()
    }

    /// Runs `sql` with `values` bound and maps every row through `transform`.
    package func query<T>(_ sql: String, _ values: [SQLiteValue] = [], _ transform: (Statement) throws -> T) throws
        -> [T]
    {
        let statement = try cached(sql)
        try statement.bind(values)
        return try statement.map(transform)
    }

    /// Runs `sql` with `values` bound and maps its first row, or returns nil when there is none.
    package func queryFirst<T>(_ sql: String, _ values: [SQLiteValue] = [], _ transform: (Statement) throws -> T)
        throws -> T?
    {
        let statement = try cached(sql)
        try statement.bind(values)
        return try statement.first(transform)
    }

    /// The first column of the first row of a `PRAGMA` or query as text (e.g. `PRAGMA journal_mode`).
    package func pragma(_ sql: String) throws -> String? {
        try prepare(sql).first { $0.optionalString(at: 0) } ?? nil
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    package var changes: Int { Int(sqlite3_changes64(handle)) }

    /// Whether no transaction is open.
    package var isAutocommit: Bool { sqlite3_get_autocommit(handle) != 0 }

    // MARK: Transactions

    /// Runs `body` in a write transaction (`BEGIN IMMEDIATE`): committed when it returns, rolled back when it throws.
    ///
    /// Inside an open transaction it nests as a savepoint, so a failing inner part undoes only itself.
    package func transaction<T>(_ body: () throws -> T) throws -> T {
        try withTransaction(begin: "BEGIN IMMEDIATE", body)
    }

    /// Runs `body` in a read transaction (`BEGIN DEFERRED`), so that all its queries see one snapshot.
    package func readTransaction<T>(_ body: () throws -> T) throws -> T {
        try withTransaction(begin: "BEGIN DEFERRED", body)
    }

    private func withTransaction<T>(begin: String, _ body: () throws -> T) throws -> T {
        guard isAutocommit else { return try savepoint(body) }
        try exec(begin)
        let result: T
        do {
            result = try body()
            try exec("COMMIT")
        } catch {
            // A failed COMMIT may already have rolled back; ROLLBACK then fails harmlessly.
            if !isAutocommit { try? exec("ROLLBACK") }
            throw error
        }
        return result
    }

    private func savepoint<T>(_ body: () throws -> T) throws -> T {
        try exec("SAVEPOINT nested")
        do {
            let result = try body()
            try exec("RELEASE nested")
            return result
        } catch {
            try? exec("ROLLBACK TO nested")
            try? exec("RELEASE nested")
            throw error
        }
    }
}
