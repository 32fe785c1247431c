/// SQLite's `PRAGMA synchronous` for a WAL database: how often a commit waits for the disk.
package enum SynchronousMode: String, Sendable, CaseIterable {
    /// Every commit is synced before it returns: a committed (and acked) write survives a power loss.
    case full = "FULL"
    /// Syncs at checkpoints only: still consistent after a crash, but the last commits may be lost on power loss.
    case normal = "NORMAL"
}
