import Foundation

/// Where and how storage reaches PostgreSQL: parsed from `DATABASE_URL` and `DATABASE_STATEMENT_TIMEOUT_MS`.
package struct PostgresSettings: Sendable, Equatable {
    /// The server's host name or address.
    package var host: String
    /// The server's port (5432 when the URL names none).
    package var port: Int
    /// The role storage logs in as.
    package var username: String
    /// Its password; nil when the URL has none (trust or peer authentication).
    package var password: String?
    /// The database.
    package var database: String
    /// `sslmode` from the URL's query: `disable`, `prefer` (the default) or `require`.
    package var tls: TLSMode
    /// `statement_timeout` of every connection, in milliseconds; 0 disables it.
    package var statementTimeoutMilliseconds: Int
    /// Connections in the pool at most.
    package var maximumConnections: Int

    /// Whether connections use TLS.
    package enum TLSMode: String, Sendable, Equatable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it.
        case prefer
        /// TLS or no connection.
        case require
    }

    /// The default `statement_timeout`: 30 s, far above any query storage runs, far below a hung connection.
    package static let defaultStatementTimeoutMilliseconds = 30_000

    /// Settings from `postgres://user:password@host:port/database[?sslmode=disable|prefer|require]` (`postgresql://`
    /// too); user name and password may be percent-encoded.
    /// - Throws: ``PostgresBackendError/invalidURL(_:)`` naming what is missing or wrong (never the password).
    package init(
        url: String, statementTimeoutMilliseconds: Int = defaultStatementTimeoutMilliseconds,
        maximumConnections: Int = 8
    ) throws {
        guard let components = URLComponents(string: url),
            components.scheme == "postgres" || components.scheme == "postgresql"
        else {
            throw PostgresBackendError.invalidURL("expected postgres://user:password@host:port/database")
        }
        guard let host = components.host, !host.isEmpty else {
            throw PostgresBackendError.invalidURL("no host in DATABASE_URL")
        }
        guard let user = components.user?.removingPercentEncoding, !user.isEmpty else {
            throw PostgresBackendError.invalidURL("no user in DATABASE_URL")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresBackendError.invalidURL("no database in DATABASE_URL (postgres://user@host:port/database)")
        }
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode" else {
                throw PostgresBackendError.invalidURL("unknown parameter \(item.name) in DATABASE_URL")
            }
            guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                throw PostgresBackendError.invalidURL("sslmode must be disable, prefer or require")
            }
            tls = mode
        }
        guard statementTimeoutMilliseconds >= 0 else {
            throw PostgresBackendError.invalidURL("DATABASE_STATEMENT_TIMEOUT_MS must be 0 or more")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = user
        self.password = components.password?.removingPercentEncoding
        self.database = database.removingPercentEncoding ?? database
        self.tls = tls
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
        self.maximumConnections = max(2, maximumConnections)
    }

    /// The URL without its password, for logs.
    package var redacted: String {
        "postgres://\(username)@\(host):\(port)/\(database)"
    }
}
