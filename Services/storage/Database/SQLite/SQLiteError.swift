import CSQLite

/// A failed SQLite call: the result code, SQLite's message and the SQL it was running, if any.
package struct SQLiteError: Error, CustomStringConvertible, Equatable {
    /// The extended result code (`SQLITE_CONSTRAINT_PRIMARYKEY`, `SQLITE_BUSY`, ...).
    package var code: Int32
    /// SQLite's message (`sqlite3_errmsg`) or this layer's own.
    package var message: String
    /// The statement being prepared or run, when there was one.
    package var sql: String?

    /// An error with its code, message and SQL.
    package init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The primary result code (the low byte of the extended code): `SQLITE_CONSTRAINT`, `SQLITE_BUSY`, ...
    package var primaryCode: Int32 { code & 0xFF }

    /// Whether another connection held a lock for longer than the busy timeout.
    package var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }

    /// One line for logs: message, code name and SQL.
    package var description: String {
        let name = String(cString: sqlite3_errstr(code))
        guard let sql else { return "\(message) [sqlite \(code): \(name)]" }
        return "\(message) [sqlite \(code): \(name)] in: \(sql)"
    }

    /// The error of the last failed call on `db`, which returned `code`.
    static func last(on db: OpaquePointer?, code: Int32, sql: String?) -> SQLiteError {
        // Connections enable extended result codes, so `code` is already the extended one.
        let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
        return SQLiteError(code: code, message: message, sql: sql)
    }

    /// A stored value this layer cannot read back (a malformed date, an unknown flag).
    static func corrupt(_ message: String, sql: String? = nil) -> SQLiteError {
        SQLiteError(code: SQLITE_CORRUPT, message: message, sql: sql)
    }
}
