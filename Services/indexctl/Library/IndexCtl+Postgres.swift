import Contracts
import Foundation
import TradingCalendar

/// `indexctl backup` and `restore` for storage on PostgreSQL (`DATABASE_URL`): PostgreSQL's own tools, `pg_dump`
/// (custom format), `pg_restore` and `psql`, run by indexctl against the database, not by storage.
enum PostgresTools {
    /// The database URL indexctl works on: `--database-url`, else `DATABASE_URL`; nil (SQLite) when both are empty.
    static func databaseURL(_ option: String?) -> String? {
        let url = (option ?? ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "")
            .trimmingCharacters(in: .whitespaces)
        return url.isEmpty ? nil : url
    }

    /// `url` without its password, for messages.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }

    /// The path of a client tool: on `PATH`, else in the newest `/usr/lib/postgresql/<version>/bin`.
    static func tool(_ name: String) throws -> String {
        let files = FileManager.default
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") where files.isExecutableFile(atPath: "\(folder)/\(name)") {
            return "\(folder)/\(name)"
        }
        let versions = (try? files.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for version in versions.sorted(by: { $0.compare($1, options: .numeric) == .orderedDescending }) {
            let candidate = "/usr/lib/postgresql/\(version)/bin/\(name)"
            if files.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw OperatorError("\(name) is not installed (the PostgreSQL client tools: apt-get install postgresql-client)")
    }

    /// Runs a client tool; its standard output, or an error with its standard error when it fails.
    @discardableResult
    static func run(_ name: String, _ arguments: [String], input: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try tool(name))
        process.arguments = arguments
        // Standard error goes to a file, so that neither it nor the output pipe fills while the other is read.
        let errorFile = NSTemporaryDirectory() + "indexctl-\(name)-\(UUID().uuidString).err"
        guard FileManager.default.createFile(atPath: errorFile, contents: nil),
            let errors = FileHandle(forWritingAtPath: errorFile)
        else { throw OperatorError("cannot create \(errorFile)") }
        defer {
            try? errors.close()
            try? FileManager.default.removeItem(atPath: errorFile)
        }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let feed = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : feed
        try process.run()
        if let input {
            feed.fileHandleForWriting.write(Data(input.utf8))
            try feed.fileHandleForWriting.close()
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = ((try? String(contentsOfFile: errorFile, encoding: .utf8)) ?? "")
                .trimmingCharacters(in: .whitespacesAndNewlines)
            throw OperatorError("\(name) failed (exit \(process.terminationStatus)): \(message)")
        }
        return String(decoding: outputData, as: UTF8.self)
    }

    /// Runs SQL (statements on standard input, stopping at the first error) with `psql`; its unaligned rows.
    @discardableResult
    static func sql(_ url: String, _ statements: String, singleTransaction: Bool = false) throws -> [String] {
        var arguments = ["--dbname", url, "--no-psqlrc", "--quiet", "--no-align", "--tuples-only"]
        arguments += ["--set", "ON_ERROR_STOP=1"]
        if singleTransaction { arguments.append("--single-transaction") }
        return try run("psql", arguments, input: statements).split(separator: "\n").map(String.init)
    }

    /// `text` as an SQL string literal.
    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// The tables (and data) a custom-format archive lists; fails when `file` is not one.
    static func archivedTables(_ file: String) throws -> Int {
        let listing: String
        do {
            listing = try run("pg_restore", ["--list", file])
        } catch {
            throw OperatorError("\(file) is not a pg_dump custom-format archive: \(error)")
        }
        let tables = listing.split(separator: "\n").count { $0.contains(" TABLE DATA ") }
        guard tables > 0 else { throw OperatorError("\(file) holds no table data") }
        return tables
    }

    // MARK: Backup

    /// `pg_dump --format=custom` of the database to `destination` (written beside it, then renamed), checked by
    /// `pg_restore --list`; returns the line to print.
    static func backup(url: String, to destination: String) throws -> String {
        let partial = destination + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            try run("pg_dump", ["--format=custom", "--file", partial, "--dbname", url])
            let tables = try archivedTables(partial)
            if FileManager.default.fileExists(atPath: destination) {
                try FileManager.default.removeItem(atPath: destination)
            }
            try FileManager.default.moveItem(atPath: partial, toPath: destination)
            let bytes = (try FileManager.default.attributesOfItem(atPath: destination)[.size] as? Int) ?? 0
            return "backup \(destination): \(bytes) bytes, pg_dump custom format of \(redacted(url)), "
                + "\(tables) tables listed by pg_restore"
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }

    // MARK: Restore

    /// Replaces the database's tables with the archive's, in one transaction, then readies it for a new pipeline
    /// as the SQLite restore does; returns the line to print. Refuses while storage is connected to the database.
    /// - Parameters:
    ///   - backup: a `pg_dump --format=custom` archive (indexctl backup).
    ///   - url: the database.
    ///   - dataDirectory: where the replaced database's dump is kept and the local JetStream stores live.
    ///   - localStores: the local JetStream stores; fails when their nats-server runs (asked before any change).
    ///   - setAside: moves those stores aside (after the database is replaced); what to print.
    static func restore(
        from backup: String, url: String, dataDirectory: String, localStores: () throws -> [String],
        setAside: ([String]) throws -> String
    ) throws -> String {
        guard FileManager.default.fileExists(atPath: backup) else { throw OperatorError("no backup file at \(backup)") }
        _ = try archivedTables(backup)
        let connected = try sql(
            url,
            """
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'storage' AND pid <> pg_backend_pid();
            """
        ).first
        guard connected == "0" else {
            throw OperatorError(
                "\(redacted(url)) has \(connected ?? "?") storage connection(s) (is storage running? stop the stack "
                    + "first: make down)"
            )
        }
        let stores = try localStores()
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let stamp = ISO8601DateFormatter.string(
            from: Date(), timeZone: .gmt, formatOptions: [.withYear, .withMonth, .withDay, .withTime]
        )
        var kept = ""
        if try sql(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public';").first != "0" {
            let aside = (dataDirectory as NSString).appendingPathComponent("index.before-restore-\(stamp).dump")
            try run("pg_dump", ["--format=custom", "--file", aside, "--dbname", url])
            kept = "; the replaced database is kept as \(aside) (pg_restore it to go back)"
        }
        // Every table of the schema goes (prices' partitions with it), then the archive's are made, in one
        // transaction: a failure leaves the database as it was.
        let script = NSTemporaryDirectory() + "indexctl-restore-\(UUID().uuidString).sql"
        defer { try? FileManager.default.removeItem(atPath: script) }
        try run("pg_restore", ["--no-owner", "--no-privileges", "--file", script, backup])
        let drop = """
            DO $$ DECLARE t text; BEGIN
                FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
                    EXECUTE format('DROP TABLE IF EXISTS public.%I CASCADE', t);
                END LOOP;
            END $$;
            """
        try run(
            "psql",
            [
                "--dbname", url, "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1", "--single-transaction",
                "--command", drop, "--file", script,
            ]
        )
        let index = literal(Indexes.defaultID)
        let incomplete = try sql(
            url,
            """
            SELECT s.date FROM public.sessions s
                LEFT JOIN public.index_levels l ON l.index_id = \(index) AND l.date = s.date
            WHERE NOT (s.valid_rows = 0 OR coalesce(l.source_batch_id = s.batch_id, false)) ORDER BY s.date;
            """
        ).compactMap(SessionDate.init)
        let levels = try sql(url, "SELECT date FROM public.index_levels WHERE index_id = \(index) ORDER BY date;")
            .compactMap(SessionDate.init)
        let events = Set(
            try sql(url, "SELECT date FROM public.composition_events WHERE index_id = \(index);")
                .compactMap(SessionDate.init)
        )
        let resumeFrom = IndexCtl.Restore.firstUnfinishedSession(incomplete: incomplete, levels: levels) {
            events.contains($0)
        }
        // As the SQLite restore: stream positions forgotten, the in-flight tail of results dropped (never prices).
        var prepare = """
            UPDATE public.sessions SET sequence = 0 WHERE sequence <> 0;
            DELETE FROM public.index_result_sequences;

            """
        if let resumeFrom {
            let date = literal(resumeFrom.description)
            prepare += """
                DELETE FROM public.composition_events WHERE date >= \(date);
                WITH d AS (DELETE FROM public.index_levels WHERE date >= \(date) RETURNING 1) SELECT count(*) FROM d;
                """
        }
        let dropped = Int(try sql(url, prepare, singleTransaction: true).last ?? "") ?? 0
        let status =
            try sql(
                url, "SELECT count(*), min(date), max(date) FROM public.index_levels WHERE index_id = \(index);"
            ).first?.split(separator: "|", omittingEmptySubsequences: false).map(String.init) ?? []
        kept += try setAside(stores)
        let sessions = status.first ?? "0"
        let range = status.count == 3 && !status[1].isEmpty ? " (\(status[1]) ... \(status[2]))" : ""
        var next = ""
        if let resumeFrom {
            if dropped > 0 {
                next +=
                    "\n\(dropped) index session(s) from \(resumeFrom) on were still in flight when the backup was "
                    + "taken (not all their results stored); they were dropped from the restored database, their "
                    + "prices kept"
            }
            next +=
                "\nnext: start the stack (make up), then back-fill from the first session the backup does not hold "
                + "in full: indexctl backfill --from \(resumeFrom) --to <yesterday>"
        }
        return "restored \(backup) to \(redacted(url)): archive ok, \(sessions) index sessions\(range)" + kept + next
    }
}
