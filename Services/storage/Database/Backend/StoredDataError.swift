/// A stored value this build cannot read back (an unknown flag, unreadable JSON): the database was written by
/// something else, or damaged. Thrown by either backend.
package struct StoredDataError: Error, CustomStringConvertible {
    /// What was found, and where.
    package let description: String

    /// An error saying `description`.
    package init(_ description: String) {
        self.description = description
    }
}
