import Foundation

extension IndexExport {
    /// The tab names, in order.
    package static let sheetNames = ["Performance", "Compositions", "Changes", "Summary", "Definition"]

    /// The export as a workbook with the sheets `Performance`, `Compositions`, `Changes`, `Summary` and
    /// `Definition`.
    package var workbook: Workbook {
        Workbook(
            sheets: zip(Self.sheetNames, tables).map { name, table in
                Worksheet(name: name, columns: table.0.map { WorksheetColumn($0) }, rows: table.1)
            }
        )
    }

    /// The export as an xlsx file; throws only when a value breaks a spreadsheet limit (see `Workbook.xlsx()`).
    package func xlsx() throws(SpreadsheetExportError) -> Data {
        try workbook.xlsx()
    }
}
