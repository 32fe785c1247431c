import Contracts
import Logging
import PostgresNIO
import StorageDatabase
import StoragePostgres
import Testing

/// What a PostgreSQL restart does to storage's writes, on a server of this suite's own (the shared one stays up).
@Suite("PostgreSQL restart")
struct PostgresRestartTests {
    @Test("a write in flight when PostgreSQL restarts throws and commits nothing; the pool reconnects for the next")
    func restartDuringWrite() async throws {
        try await PostgresServer.withOwnServer { server in try await restartDuringWrite(server) }
    }

    /// The body of ``restartDuringWrite()`` on `server`.
    func restartDuringWrite(_ server: PostgresServer) async throws {
        let settings = try await server.createDatabase()
        let database = try await PostgresBackend(settings: settings, logger: Logger(label: "storage-tests"))
        do {
            try await database.storeValidated([Fixture.batch("b1", Fixture.day1, rows: [Fixture.row("AAA", 1)])])
            let store = TestStore(directory: try TemporaryDirectory(), postgres: settings)
            // Hold the writer lock, so that the next write waits on the server, in flight, when the restart comes.
            let holder = try await store.begin("SELECT pg_advisory_xact_lock(\(PostgresBackend.writerLockKey))")
            let inFlight = Task {
                try await database.storeValidated([Fixture.batch("b2", Fixture.day2, rows: [Fixture.row("BBB", 2)])])
            }
            var waiting = 0
            for _ in 0..<200 where waiting == 0 {
                try await Task.sleep(for: .milliseconds(50))
                waiting =
                    try await store.integer(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                    ) ?? 0
            }
            #expect(waiting == 1)
            try await onOwnThread { try server.restart() }
            await #expect(throws: (any Error).self) { try await inFlight.value }
            _ = try? await holder.commit()

            // The pool may still hand out a connection the restart closed: allow a few tries, as redelivery would.
            var attempts = 0
            var stored: Int?
            while stored == nil && attempts < 20 {
                attempts += 1
                stored = try? await database.storeValidated([
                    Fixture.batch("b2", Fixture.day2, rows: [Fixture.row("BBB", 2)])
                ])
                if stored == nil { try await Task.sleep(for: .milliseconds(250)) }
            }
            #expect(stored == 1)
            #expect(try await database.validRows(on: Fixture.day1)?.rows == [Fixture.row("AAA", 1)])
            #expect(try await database.validRows(on: Fixture.day2)?.rows == [Fixture.row("BBB", 2)])
            #expect(await database.isReachable())
            print("storage on PostgreSQL: stored again after a restart on attempt \(attempts)")
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }

    /// A connection of its own to a new database on the shared server.
    private func connect() async throws -> PostgresConnection {
        try await TestStore.connect(try await PostgresServer.shared.value.createDatabase())
    }

    @Test("work on a connection that closes ends with connectionClosed even when the work itself never returns")
    func openConnectionEndsOnClose() async throws {
        let connection = try await connect()
        // The work waits on a stream nobody feeds, as a query dropped with a closing channel waits on its answer.
        let (never, feeder) = AsyncStream<Int>.makeStream()
        defer { feeder.finish() }
        let started = AsyncStream<Void>.makeStream()
        let work = Task {
            try await OpenConnection.run(connection) { connection in
                _ = try await connection.query("SELECT 1", logger: connection.logger).collect()
                started.continuation.yield()
                // Not cancelled by the close: only the caller's answer comes early.
                var last = 0
                for await value in never { last = value }
                return last
            }
        }
        for await _ in started.stream { break }
        try await connection.close()
        let error = await #expect(throws: PostgresBackendError.self) { try await work.value }
        #expect(error.map { "\($0)" } == "\(PostgresBackendError.connectionClosed)")
    }

    @Test("work on an open connection returns its value; on a closed one it fails at once")
    func openConnectionAnswers() async throws {
        let connection = try await connect()
        let value = try await OpenConnection.run(connection) { connection in
            try await connection.query("SELECT 41 + 1", logger: connection.logger).collect().first?.decode(Int.self)
        }
        #expect(value == 42)
        try await connection.close()
        await #expect(throws: PostgresBackendError.self) {
            try await OpenConnection.run(connection) { _ in 1 }
        }
    }

    @Test("readiness is false while PostgreSQL is down and true again once it is back")
    func readiness() async throws {
        try await PostgresServer.withOwnServer { server in try await readiness(server) }
    }

    /// The body of ``readiness()`` on `server`.
    func readiness(_ server: PostgresServer) async throws {
        let database = try await PostgresBackend(
            settings: try await server.createDatabase(), logger: Logger(label: "storage-tests")
        )
        #expect(await database.isReachable())
        try await onOwnThread { try server.pause() }
        #expect(await !database.isReachable())
        try await onOwnThread { try server.resume() }
        var reachable = false
        for _ in 0..<40 where !reachable {
            reachable = await database.isReachable()
            if !reachable { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(reachable)
        await database.close()
    }
}
