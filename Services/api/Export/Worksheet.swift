/// A named sheet: a header row from its columns, then rows of typed cells.
package struct Worksheet: Sendable, Equatable {
    /// The tab name; Excel's rules apply (1-31 characters, none of `[]:*?/\`, unique ignoring case).
    package var name: String
    /// The columns, in order; their headers form the first row.
    package var columns: [WorksheetColumn]
    /// The data rows; a row may be shorter than `columns` (the rest is empty) but not longer.
    package var rows: [[WorksheetCell]]

    /// A sheet named `name` with a header row from `columns` and the data `rows`.
    package init(name: String, columns: [WorksheetColumn], rows: [[WorksheetCell]] = []) {
        self.name = name
        self.columns = columns
        self.rows = rows
    }
}
