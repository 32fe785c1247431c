import StorageDatabase
import Testing

@Suite("SQLite wrapper")
struct SQLiteConnectionTests {
    let directory: TemporaryDirectory
    let connection: SQLiteConnection

    init() throws {
        directory = try TemporaryDirectory()
        connection = try SQLiteConnection(path: directory.file("wrapper.sqlite"))
        try connection.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, d REAL, o REAL, s TEXT, x)")
    }

    @Test("typed binds read back as the same types and values, NULL as nil")
    func typedRoundTrip() throws {
        let insert = try connection.prepare("INSERT INTO t (id, i, d, o, s, x) VALUES (?, ?, ?, ?, ?, ?)")
        try insert.bind(1, at: 1)
        try insert.bind(-42, at: 2)
        try insert.bind(3.25, at: 3)
        try insert.bind(nil as Double?, at: 4)
        try insert.bind("héllo, wörld", at: 5)
        try insert.bindNull(at: 6)
        try insert.run()
        try connection.execute(
            "INSERT INTO t (id, i, d, o, s, x) VALUES (?, ?, ?, ?, ?, ?)", [2, 7, 0.5, 1.5, nil, nil])

        let rows = try connection.query("SELECT i, d, o, s, x FROM t ORDER BY id") { row in
            (row.int(at: 0), row.double(at: 1), row.optionalDouble(at: 2), row.optionalString(at: 3), row.isNull(at: 4))
        }
        #expect(rows.count == 2)
        #expect(rows[0].0 == -42 && rows[0].1 == 3.25 && rows[0].2 == nil && rows[0].3 == "héllo, wörld" && rows[0].4)
        #expect(rows[1].0 == 7 && rows[1].1 == 0.5 && rows[1].2 == 1.5 && rows[1].3 == nil && rows[1].4)
    }

    @Test("non-finite doubles survive when bound keeping them, where a plain bind turns NaN into NULL")
    func nonFinite() throws {
        let values: [Double?] = [.nan, .infinity, -.infinity, nil, 1.5, -0.0]
        let insert = try connection.prepare("INSERT INTO t (id, x) VALUES (?, ?)")
        for (offset, value) in values.enumerated() {
            try insert.bind(offset, at: 1)
            try insert.bind(keepingNonFinite: value, at: 2)
            try insert.run()
        }
        let read = try connection.query("SELECT x FROM t ORDER BY id") { try $0.doubleKeepingNonFinite(at: 0) }
        #expect(read.count == values.count)
        #expect(read[0]?.isNaN == true)
        #expect(read[1] == .infinity)
        #expect(read[2] == -.infinity)
        #expect(read[3] == nil)
        #expect(read[4] == 1.5)
        #expect(read[5] == 0)

        try connection.execute("INSERT INTO t (id, d) VALUES (100, ?)", [.real(.nan)])
        #expect(try connection.queryFirst("SELECT d IS NULL FROM t WHERE id = 100") { $0.int(at: 0) } == 1)
    }

    @Test("an error carries SQLite's message, the extended code and the SQL")
    func errors() throws {
        try connection.execute("INSERT INTO t (id) VALUES (1)")
        let duplicate = #expect(throws: SQLiteError.self) { try connection.execute("INSERT INTO t (id) VALUES (1)") }
        #expect(duplicate?.message.contains("UNIQUE constraint failed") == true)
        #expect(duplicate?.sql == "INSERT INTO t (id) VALUES (1)")
        #expect(duplicate?.primaryCode == 19)  // SQLITE_CONSTRAINT
        #expect(duplicate?.code == 1555)  // extended: SQLITE_CONSTRAINT_PRIMARYKEY

        let missing = #expect(throws: SQLiteError.self) { try connection.prepare("SELECT * FROM missing_table") }
        #expect(missing?.message.contains("no such table: missing_table") == true)
        #expect(missing?.description.contains("in: SELECT * FROM missing_table") == true)
    }

    @Test("a transaction commits when its body returns and rolls back whole when it throws")
    func transactions() throws {
        struct Abort: Error {}
        try connection.transaction { try connection.execute("INSERT INTO t (id) VALUES (1)") }
        #expect(throws: Abort.self) {
            try connection.transaction {
                try connection.execute("INSERT INTO t (id) VALUES (2)")
                throw Abort()
            }
        }
        #expect(connection.isAutocommit)
        #expect(try connection.query("SELECT id FROM t ORDER BY id") { $0.int(at: 0) } == [1])
    }

    @Test("a nested transaction is a savepoint: its failure undoes only itself")
    func nested() throws {
        struct Abort: Error {}
        try connection.transaction {
            try connection.execute("INSERT INTO t (id) VALUES (1)")
            try? connection.transaction {
                try connection.execute("INSERT INTO t (id) VALUES (2)")
                throw Abort()
            }
            try connection.execute("INSERT INTO t (id) VALUES (3)")
        }
        #expect(try connection.query("SELECT id FROM t ORDER BY id") { $0.int(at: 0) } == [1, 3])
    }

    @Test("a cached statement is prepared once and comes back reset, its old bindings cleared")
    func caching() throws {
        let first = try connection.cached("SELECT ?")
        try first.bind(5, at: 1)
        #expect(try first.first { $0.int(at: 0) } == 5)
        try first.bind(6, at: 1)
        let second = try connection.cached("SELECT ?")
        #expect(first === second)
        #expect(try second.first { $0.isNull(at: 0) } == true)
    }
}
