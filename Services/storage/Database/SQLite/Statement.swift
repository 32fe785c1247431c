import CSQLite

/// SQLite's `SQLITE_TRANSIENT`, which the C macro spells as a cast Swift does not import: SQLite copies the bytes.
private let transientDestructor = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared statement: typed binds by 1-based parameter index, typed columns by 0-based index.
///
/// Not `Sendable`: it belongs to its ``SQLiteConnection`` and is used only while the caller holds that connection.
package final class Statement {
    /// The `sqlite3_stmt*`.
    let handle: OpaquePointer
    /// The connection's `sqlite3*`, for error messages.
    private let db: OpaquePointer
    /// The SQL, for error messages.
    package let sql: String

    /// Prepares `sql` (one statement) on `db`.
    init(db: OpaquePointer, sql: String) throws {
        var handle: OpaquePointer?
        let code = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &handle, nil)
        guard code == SQLITE_OK, let handle else {
            sqlite3_finalize(handle)
            throw SQLiteError.last(on: db, code: code, sql: sql)
        }
        self.db = db
        self.handle = handle
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: Binding

    /// Binds an integer to parameter `index` (1-based).
    package func bind(_ value: Int, at index: Int32) throws {
        try check(sqlite3_bind_int64(handle, index, sqlite3_int64(value)))
    }

    /// Binds an optional integer; nil binds NULL.
    package func bind(_ value: Int?, at index: Int32) throws {
        guard let value else { return try bindNull(at: index) }
        try bind(value, at: index)
    }

    /// Binds a double; NaN is stored as NULL by SQLite (see ``bind(keepingNonFinite:at:)``).
    package func bind(_ value: Double, at index: Int32) throws {
        try check(sqlite3_bind_double(handle, index, value))
    }

    /// Binds an optional double; nil binds NULL.
    package func bind(_ value: Double?, at index: Int32) throws {
        guard let value else { return try bindNull(at: index) }
        try bind(value, at: index)
    }

    /// Binds a double so that every value reads back: finite as REAL, nil as NULL, non-finite as text.
    ///
    /// SQLite turns NaN into NULL, which would make a missing value and a NaN one indistinguishable, so `nan`, `inf`
    /// and `-inf` are stored as those words; ``doubleKeepingNonFinite(at:)`` reads them back. The column should be
    /// declared without a type, so that no affinity converts anything.
    package func bind(keepingNonFinite value: Double?, at index: Int32) throws {
        guard let value else { return try bindNull(at: index) }
        guard value.isFinite else {
            return try bind(value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf"), at: index)
        }
        try bind(value, at: index)
    }

    /// Binds text (copied by SQLite).
    package func bind(_ value: String, at index: Int32) throws {
        var value = value
        let code = value.withUTF8 { bytes in
            sqlite3_bind_text(handle, index, bytes.baseAddress, Int32(bytes.count), transientDestructor)
        }
        try check(code)
    }

    /// Binds a blob (copied by SQLite).
    package func bind(blob: [UInt8], at index: Int32) throws {
        let code = blob.withUnsafeBytes { bytes in
            sqlite3_bind_blob(handle, index, bytes.baseAddress, Int32(bytes.count), transientDestructor)
        }
        try check(code)
    }

    /// Binds optional text; nil binds NULL.
    package func bind(_ value: String?, at index: Int32) throws {
        guard let value else { return try bindNull(at: index) }
        try bind(value, at: index)
    }

    /// Binds NULL.
    package func bindNull(at index: Int32) throws {
        try check(sqlite3_bind_null(handle, index))
    }

    /// Binds a ``SQLiteValue``.
    package func bind(_ value: SQLiteValue, at index: Int32) throws {
        switch value {
        case .null: try bindNull(at: index)
        case .integer(let value): try bind(value, at: index)
        case .real(let value): try bind(value, at: index)
        case .text(let value): try bind(value, at: index)
        }
    }

    /// Binds `values` to parameters 1, 2, ...
    package func bind(_ values: [SQLiteValue]) throws {
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    /// Resets the statement for another run and clears its bindings.
    package func reset() {
        // The error sqlite3_reset repeats is the last step's, which that step already threw.
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: Stepping

    /// Runs one step: true when a row is ready to read, false when the statement is done.
    package func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code: throw SQLiteError.last(on: db, code: code, sql: sql)
        }
    }

    /// Runs the statement to completion, ignoring any rows, then resets it.
    package func run() throws {
        defer { reset() }
        while try step() {}
    }

    /// Calls `body` for each row, then resets the statement.
    package func forEachRow(_ body: (Statement) throws -> Void) throws {
        defer { reset() }
        while try step() {
            try body(self)
        }
    }

    /// Maps each row through `transform`, then resets the statement.
    package func map<T>(_ transform: (Statement) throws -> T) throws -> [T] {
        var result: [T] = []
        try forEachRow { result.append(try transform($0)) }
        return result
    }

    /// The first row mapped through `transform`, or nil when there is none; resets the statement.
    package func first<T>(_ transform: (Statement) throws -> T) throws -> T? {
        defer { reset() }
        guard try step() else { return nil }
        return try transform(self)
    }

    // MARK: Columns

    /// Whether column `index` (0-based) of the current row is NULL.
    package func isNull(at index: Int32) -> Bool {
        sqlite3_column_type(handle, index) == SQLITE_NULL
    }

    /// Column `index` as an integer (NULL reads 0).
    package func int(at index: Int32) -> Int {
        Int(sqlite3_column_int64(handle, index))
    }

    /// Column `index` as an integer, nil when NULL.
    package func optionalInt(at index: Int32) -> Int? {
        isNull(at: index) ? nil : int(at: index)
    }

    /// Column `index` as a double (NULL reads 0).
    package func double(at index: Int32) -> Double {
        sqlite3_column_double(handle, index)
    }

    /// Column `index` as a double, nil when NULL.
    package func optionalDouble(at index: Int32) -> Double? {
        isNull(at: index) ? nil : double(at: index)
    }

    /// Column `index` as written by ``bind(keepingNonFinite:at:)``: nil, a number, or `nan`/`inf`/`-inf`.
    package func doubleKeepingNonFinite(at index: Int32) throws -> Double? {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_NULL: return nil
        case SQLITE_TEXT:
            switch string(at: index) {
            case "nan": return .nan
            case "inf": return .infinity
            case "-inf": return -.infinity
            case let text: throw SQLiteError.corrupt("not a number: \(text)", sql: sql)
            }
        default: return double(at: index)
        }
    }

    /// Column `index` as text (NULL reads "").
    package func string(at index: Int32) -> String {
        withBytes(at: index) { String(decoding: $0, as: UTF8.self) }
    }

    /// Column `index` as text, nil when NULL.
    package func optionalString(at index: Int32) -> String? {
        isNull(at: index) ? nil : string(at: index)
    }

    /// Calls `body` with the UTF-8 bytes of text column `index`, valid only during the call; no copy.
    package func withBytes<T>(at index: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        // sqlite3_column_text first, then sqlite3_column_bytes: the documented order that keeps the pointer valid.
        let text = sqlite3_column_text(handle, index)
        let count = Int(sqlite3_column_bytes(handle, index))
        return try body(UnsafeRawBufferPointer(start: text, count: text == nil ? 0 : count))
    }

    /// Calls `body` with the bytes of blob column `index` (empty when NULL), valid only during the call; no copy.
    package func withBlob<T>(at index: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        // sqlite3_column_blob first, then sqlite3_column_bytes, as for text.
        let blob = sqlite3_column_blob(handle, index)
        let count = Int(sqlite3_column_bytes(handle, index))
        return try body(UnsafeRawBufferPointer(start: blob, count: blob == nil ? 0 : count))
    }

    /// Throws unless a bind returned `SQLITE_OK`.
    private func check(_ code: Int32) throws {
        guard code == SQLITE_OK else { throw SQLiteError.last(on: db, code: code, sql: sql) }
    }
}

extension Statement {
    /// Binds `values` to parameters 1, 2, ... and calls `body` for each row, then resets the statement.
    package func bindAndForEach(_ values: [SQLiteValue], _ body: (Statement) throws -> Void) throws {
        try bind(values)
        try forEachRow(body)
    }
}
