import TradingCalendar

/// Why a workbook could not be written; each case names the sheet and cell at fault.
package enum SpreadsheetExportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A workbook needs at least one sheet.
    case noSheets
    /// A sheet name breaks Excel's rules.
    case invalidSheetName(String, reason: String)
    /// Two sheets share a name, ignoring case.
    case duplicateSheetName(String)
    /// A sheet has no columns or more than Excel's 16,384.
    case invalidColumnCount(sheet: String, count: Int)
    /// A sheet has more rows than Excel's 1,048,576 (header included).
    case tooManyRows(sheet: String, count: Int)
    /// A row has more cells than the sheet has columns.
    case rowTooWide(sheet: String, row: Int, cells: Int, columns: Int)
    /// A text longer than the 32,767 characters a spreadsheet cell holds.
    case stringTooLong(sheet: String, cell: String, length: Int)
    /// A date outside 1900-03-01...9999-12-31, where spreadsheet date serials are defined and unambiguous.
    case dateOutOfRange(sheet: String, cell: String, date: SessionDate)
    /// An integer beyond ±2^53, which spreadsheets (storing doubles) would silently round.
    case integerNotExact(sheet: String, cell: String, value: Int)
    /// The zip container could not be written.
    case archive(String)

    /// A message fit for an API error body.
    package var description: String {
        switch self {
        case .noSheets:
            "a workbook needs at least one sheet"
        case .invalidSheetName(let name, let reason):
            "invalid sheet name \"\(name)\": \(reason)"
        case .duplicateSheetName(let name):
            "two sheets are named \"\(name)\" (names are compared ignoring case)"
        case .invalidColumnCount(let sheet, let count):
            "sheet \"\(sheet)\" has \(count) columns; a sheet needs 1 to \(XLSXLimits.maxColumns)"
        case .tooManyRows(let sheet, let count):
            "sheet \"\(sheet)\" has \(count) rows with its header; a sheet holds at most \(XLSXLimits.maxRows)"
        case .rowTooWide(let sheet, let row, let cells, let columns):
            "sheet \"\(sheet)\" row \(row) has \(cells) cells but the sheet has \(columns) columns"
        case .stringTooLong(let sheet, let cell, let length):
            "sheet \"\(sheet)\" cell \(cell) holds \(length) characters; a cell holds at most "
                + "\(XLSXLimits.maxStringLength)"
        case .dateOutOfRange(let sheet, let cell, let date):
            "sheet \"\(sheet)\" cell \(cell) has date \(date), outside 1900-03-01...9999-12-31"
        case .integerNotExact(let sheet, let cell, let value):
            "sheet \"\(sheet)\" cell \(cell) has integer \(value), beyond the ±2^53 a spreadsheet keeps exactly"
        case .archive(let message):
            "could not write the xlsx container: \(message)"
        }
    }
}
