import TradingCalendar

/// Writes one worksheet part (`xl/worksheets/sheetN.xml`), adding its texts to the shared string table.
enum WorksheetXMLWriter {
    /// The widest a column sized from its contents gets, in characters.
    static let maxAutomaticWidth = 60
    /// The width given to a number column sized from its contents: Excel's General format shows 11 characters.
    static let numberWidth = 11
    /// The characters a `yyyy-mm-dd` date shows.
    static let dateWidth = 10

    /// The sheet's XML; `selected` marks the tab that is active on opening.
    static func xml(
        for sheet: Worksheet, selected: Bool, strings: inout SharedStringTable
    ) throws(SpreadsheetExportError) -> [UInt8] {
        let columnCount = sheet.columns.count
        guard (1...XLSXLimits.maxColumns).contains(columnCount) else {
            throw .invalidColumnCount(sheet: sheet.name, count: columnCount)
        }
        let rowCount = sheet.rows.count + 1
        guard rowCount <= XLSXLimits.maxRows else { throw .tooManyRows(sheet: sheet.name, count: rowCount) }
        let widths = try columnWidths(of: sheet)
        let letters = (0..<columnCount).map(columnLetters)

        var buffer = ByteWriter(capacity: 4096 + columnCount * 64 + sheet.rows.count * (16 + columnCount * 36))
        buffer.append(XLSXParts.xmlDeclaration)
        buffer.append("<worksheet xmlns=\"")
        buffer.append(XLSXParts.mainNamespace)
        buffer.append("\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">")
        buffer.append("<dimension ref=\"A1:")
        buffer.append(bytes: letters[columnCount - 1])
        buffer.append(decimal: rowCount)
        buffer.append("\"/>")
        // A frozen pane below row 1 keeps the headers in view while scrolling.
        buffer.append(
            selected
                ? "<sheetViews><sheetView tabSelected=\"1\" workbookViewId=\"0\">"
                : "<sheetViews><sheetView workbookViewId=\"0\">")
        buffer.append("<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>")
        buffer.append("<selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/></sheetView></sheetViews>")
        buffer.append("<sheetFormatPr defaultRowHeight=\"15\"/><cols>")
        for (index, width) in widths.enumerated() {
            buffer.append("<col min=\"")
            buffer.append(decimal: index + 1)
            buffer.append("\" max=\"")
            buffer.append(decimal: index + 1)
            buffer.append("\" width=\"")
            buffer.append(double: width)
            buffer.append("\" customWidth=\"1\"/>")
        }
        buffer.append("</cols><sheetData><row r=\"1\">")
        for (index, column) in sheet.columns.enumerated() {
            try checkLength(column.header, sheet: sheet.name, cell: letters[index], row: 1)
            buffer.append("<c r=\"")
            buffer.append(bytes: letters[index])
            buffer.append("1\" s=\"2\" t=\"s\"><v>")
            buffer.append(decimal: strings.index(of: column.header))
            buffer.append("</v></c>")
        }
        buffer.append("</row>")

        for (offset, row) in sheet.rows.enumerated() {
            let rowNumber = offset + 2
            buffer.append("<row r=\"")
            buffer.append(decimal: rowNumber)
            buffer.append("\">")
            for (index, cell) in row.enumerated() {
                switch cell {
                case .empty:
                    continue
                case .string(let text):
                    try checkLength(text, sheet: sheet.name, cell: letters[index], row: rowNumber)
                    openCell(&buffer, letters[index], rowNumber, attributes: " t=\"s\"><v>")
                    buffer.append(decimal: strings.index(of: text))
                case .number(let value):
                    // Spreadsheets have no NaN or infinity; an empty cell is the honest rendering of "no number".
                    guard value.isFinite else { continue }
                    openCell(&buffer, letters[index], rowNumber, attributes: "><v>")
                    buffer.append(double: value)
                case .integer(let value):
                    guard value.magnitude <= UInt(XLSXLimits.maxExactInteger) else {
                        let cell = reference(letters[index], rowNumber)
                        throw .integerNotExact(sheet: sheet.name, cell: cell, value: value)
                    }
                    openCell(&buffer, letters[index], rowNumber, attributes: "><v>")
                    buffer.append(decimal: value)
                case .date(let date):
                    let serial = Int(date.dayNumber) + XLSXLimits.unixEpochSerial
                    guard XLSXLimits.serialRange.contains(serial) else {
                        throw .dateOutOfRange(sheet: sheet.name, cell: reference(letters[index], rowNumber), date: date)
                    }
                    openCell(&buffer, letters[index], rowNumber, attributes: " s=\"1\"><v>")
                    buffer.append(decimal: serial)
                }
                buffer.append("</v></c>")
            }
            buffer.append("</row>")
        }
        buffer.append("</sheetData></worksheet>")
        return buffer.bytes
    }

    /// Excel's name of the 0-based column `index`: A...Z, AA...AZ, ...
    static func columnLetters(_ index: Int) -> [UInt8] {
        var letters: [UInt8] = []
        var remaining = index + 1
        while remaining > 0 {
            letters.append(UInt8(ascii: "A") + UInt8((remaining - 1) % 26))
            remaining = (remaining - 1) / 26
        }
        return letters.reversed()
    }

    /// Checks every row's width and sizes the columns that have no fixed width.
    private static func columnWidths(of sheet: Worksheet) throws(SpreadsheetExportError) -> [Double] {
        let columnCount = sheet.columns.count
        var widths = sheet.columns.map { min($0.header.count, maxAutomaticWidth) }
        let automatic = sheet.columns.map { $0.width == nil }
        for (offset, row) in sheet.rows.enumerated() {
            guard row.count <= columnCount else {
                throw .rowTooWide(sheet: sheet.name, row: offset + 2, cells: row.count, columns: columnCount)
            }
            for (index, cell) in row.enumerated() where automatic[index] {
                let width: Int
                switch cell {
                case .empty: continue
                // UTF-8 length is O(1) for native strings and only overestimates non-ASCII text, which the cap bounds.
                case .string(let text): width = min(text.utf8.count, maxAutomaticWidth)
                case .number: width = numberWidth
                case .integer(let value): width = String(value).utf8.count
                case .date: width = dateWidth
                }
                if width > widths[index] { widths[index] = width }
            }
        }
        // Two characters of padding leave room for the autofilter arrow and cell margins.
        return zip(sheet.columns, widths).map { column, width in column.width ?? Double(width + 2) }
    }

    /// Writes `<c r="A1"` (closing quote included) followed by `attributes`.
    private static func openCell(_ buffer: inout ByteWriter, _ letters: [UInt8], _ row: Int, attributes: StaticString) {
        buffer.append("<c r=\"")
        buffer.append(bytes: letters)
        buffer.append(decimal: row)
        buffer.append(byte: UInt8(ascii: "\""))
        buffer.append(attributes)
    }

    /// Throws when `text` exceeds what one cell holds.
    private static func checkLength(
        _ text: String, sheet: String, cell letters: [UInt8], row: Int
    ) throws(SpreadsheetExportError) {
        // UTF-16 length never exceeds UTF-8 length, so the cheap count settles almost every string.
        guard text.utf8.count > XLSXLimits.maxStringLength else { return }
        let length = text.utf16.count
        guard length <= XLSXLimits.maxStringLength else {
            throw .stringTooLong(sheet: sheet, cell: reference(letters, row), length: length)
        }
    }

    /// `A1`-style reference for error messages.
    private static func reference(_ letters: [UInt8], _ row: Int) -> String {
        String(decoding: letters, as: UTF8.self) + String(row)
    }
}
