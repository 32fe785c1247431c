/// Why the PostgreSQL backend cannot start or do what was asked.
package enum PostgresBackendError: Error, CustomStringConvertible {
    /// `DATABASE_URL` (or a setting beside it) cannot be used; the reason never repeats the password.
    case invalidURL(String)
    /// The database's schema is newer than this build's: written by a later version, not to be misread.
    case newerSchema(database: Int, build: Int)
    /// What this backend does not do, and what to use instead.
    case unsupported(String)
    /// The connection closed before the work on it ended (PostgreSQL restarted); the next call gets another.
    case connectionClosed

    /// One line for the operator.
    package var description: String {
        switch self {
        case .invalidURL(let reason): "invalid DATABASE_URL: \(reason)"
        case .newerSchema(let database, let build):
            "database schema version \(database) is newer than this build's \(build)"
        case .unsupported(let what): what
        case .connectionClosed: "the connection to PostgreSQL was closed"
        }
    }
}
