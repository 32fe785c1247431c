import Foundation
import Logging
import ServiceSupport
import StorageDatabase
import StoragePostgres

/// Storage's own settings, read once at start-up from the service's environment.
package struct StorageSettings: Sendable, Equatable {
    /// Which database storage keeps its data in.
    package enum Backend: Sendable, Equatable {
        /// SQLite, `index.sqlite` under `DATA_DIR` (`DATABASE_URL` empty or unset).
        case sqlite
        /// PostgreSQL at `DATABASE_URL`.
        case postgres(PostgresSettings)
    }

    /// The SQLite database: `index.sqlite` under `DATA_DIR` (used when ``backend`` is ``Backend/sqlite``).
    package var databasePath: String
    /// `SQLITE_SYNCHRONOUS`: `full` (the default: a committed write survives a power loss) or `normal` (faster;
    /// survives a process crash, may lose the last commits on a power loss).
    package var synchronous: SynchronousMode
    /// `DATABASE_URL` empty or unset: SQLite; `postgres://user:password@host:port/database`: PostgreSQL, each
    /// connection with `statement_timeout` = `DATABASE_STATEMENT_TIMEOUT_MS` (default 30000; 0: none).
    package var backend: Backend

    /// Reads the settings; an invalid value is an error naming the variable.
    package init(_ configuration: ServiceConfiguration) throws {
        let environment = configuration.environment
        databasePath = (configuration.dataDirectory as NSString).appendingPathComponent("index.sqlite")
        switch environment["SQLITE_SYNCHRONOUS"]?.trimmingCharacters(in: .whitespaces).lowercased() {
        case nil, "", "full": synchronous = .full
        case "normal": synchronous = .normal
        case let other?:
            throw ConfigurationError.invalid(name: "SQLITE_SYNCHRONOUS", value: other, expected: "full or normal")
        }
        let url = environment["DATABASE_URL"]?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !url.isEmpty else {
            backend = .sqlite
            return
        }
        var timeout = PostgresSettings.defaultStatementTimeoutMilliseconds
        if let raw = environment["DATABASE_STATEMENT_TIMEOUT_MS"]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            guard let value = Int(raw), value >= 0 else {
                throw ConfigurationError.invalid(
                    name: "DATABASE_STATEMENT_TIMEOUT_MS", value: raw, expected: "milliseconds, 0 or more"
                )
            }
            timeout = value
        }
        backend = .postgres(try PostgresSettings(url: url, statementTimeoutMilliseconds: timeout))
    }

    /// Opens (creating and migrating) the database these settings name.
    package func open(logger: Logger) async throws -> any StorageBackend {
        switch backend {
        case .sqlite:
            let database = try IndexDatabase(path: databasePath, synchronous: synchronous, logger: logger)
            return SQLiteBackend(database: database, logger: logger)
        case .postgres(let settings):
            return try await PostgresBackend(settings: settings, logger: logger)
        }
    }
}
