/// One numbered step of the schema; applied once, in order, inside a transaction.
package struct Migration: Sendable {
    /// The schema version the database has after this step (SQLite's `user_version`, PostgreSQL's `schema_migrations`); 1, 2, 3, ... without gaps.
    package var version: Int
    /// A short name for logs.
    package var name: String
    /// The SQLite statements, separated by `;`.
    package var sql: String
    /// The same step for PostgreSQL, statements separated by `;` (none inside a comment or a literal).
    package var postgresSQL: String

    /// A migration.
    package init(version: Int, name: String, sql: String, postgresSQL: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.postgresSQL = postgresSQL
    }
}
