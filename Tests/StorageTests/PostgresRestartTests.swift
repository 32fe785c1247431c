import Contracts
import Logging
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
