/// A worksheet column: its header text and, optionally, a fixed width.
package struct WorksheetColumn: Sendable, Equatable {
    /// The header shown in the first row.
    package var header: String
    /// The width in characters; nil sizes the column from its header and contents.
    package var width: Double?

    /// A column titled `header`, `width` characters wide or sized from its contents when nil.
    package init(_ header: String, width: Double? = nil) {
        self.header = header
        self.width = width
    }
}
