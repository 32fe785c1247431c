/// One numbered step of the schema; applied once, in order, inside a transaction.
package struct Migration: Sendable {
    /// The `PRAGMA user_version` the database has after this step; 1, 2, 3, ... without gaps.
    package var version: Int
    /// A short name for logs.
    package var name: String
    /// The statements, separated by `;`.
    package var sql: String

    /// A migration.
    package init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}
