import Foundation
import ZIPFoundation

/// A spreadsheet of named sheets, written as an Office Open XML (xlsx) file that Excel, LibreOffice and openpyxl
/// read with dates as dates and numbers as numbers.
package struct Workbook: Sendable, Equatable {
    /// The sheets in tab order; the first is active on opening.
    package var sheets: [Worksheet]

    /// A workbook of `sheets`, in tab order.
    package init(sheets: [Worksheet]) {
        self.sheets = sheets
    }

    /// The characters Excel refuses in sheet names.
    static let forbiddenNameCharacters: Set<Character> = ["[", "]", ":", "*", "?", "/", "\\"]

    /// A fixed timestamp for every zip entry, so equal workbooks give equal bytes (and equal ETags).
    static let entryDate = Date(timeIntervalSince1970: 946_728_000)  // 2000-01-01T12:00:00Z

    /// The xlsx file.
    ///
    /// Throws when a sheet breaks a spreadsheet limit (name, size, cell length, date or integer range) rather than
    /// writing a file that Excel would repair or truncate.
    package func xlsx() throws(SpreadsheetExportError) -> Data {
        try validateNames()
        let archive: Archive
        do {
            archive = try Archive(accessMode: .create)
        } catch {
            throw .archive(String(describing: error))
        }
        try Self.add("[Content_Types].xml", XLSXParts.contentTypes(sheetCount: sheets.count), to: archive)
        try Self.add("_rels/.rels", XLSXParts.packageRelationships(), to: archive)
        try Self.add("xl/workbook.xml", XLSXParts.workbook(sheetNames: sheets.map(\.name)), to: archive)
        let workbookRelationships = XLSXParts.workbookRelationships(sheetCount: sheets.count)
        try Self.add("xl/_rels/workbook.xml.rels", workbookRelationships, to: archive)
        try Self.add("xl/styles.xml", XLSXParts.styles(), to: archive)
        // Each sheet is compressed as soon as it is written, so only one sheet's XML is in memory at a time.
        var strings = SharedStringTable()
        for (offset, sheet) in sheets.enumerated() {
            let xml = try WorksheetXMLWriter.xml(for: sheet, selected: offset == 0, strings: &strings)
            try Self.add("xl/worksheets/sheet\(offset + 1).xml", xml, to: archive)
        }
        try Self.add("xl/sharedStrings.xml", strings.xml(), to: archive)
        guard let data = archive.data else { throw .archive("the in-memory archive has no data") }
        return data
    }

    /// Checks the sheet names against Excel's rules, which LibreOffice and openpyxl also enforce in part.
    private func validateNames() throws(SpreadsheetExportError) {
        guard !sheets.isEmpty else { throw .noSheets }
        var seen: Set<String> = []
        for sheet in sheets {
            let name = sheet.name
            if name.isEmpty { throw .invalidSheetName(name, reason: "it is empty") }
            if name.utf16.count > XLSXLimits.maxSheetNameLength {
                throw .invalidSheetName(name, reason: "it is longer than \(XLSXLimits.maxSheetNameLength) characters")
            }
            if name.contains(where: Self.forbiddenNameCharacters.contains) {
                throw .invalidSheetName(name, reason: "it contains one of [ ] : * ? / \\")
            }
            if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0xFFFE || $0.value == 0xFFFF }) {
                throw .invalidSheetName(name, reason: "it contains a control character")
            }
            if name.hasPrefix("'") || name.hasSuffix("'") {
                throw .invalidSheetName(name, reason: "it begins or ends with an apostrophe")
            }
            if name.lowercased() == "history" {
                throw .invalidSheetName(name, reason: "Excel reserves it")
            }
            guard seen.insert(name.lowercased()).inserted else { throw .duplicateSheetName(name) }
        }
    }

    /// Adds one deflated part to the archive.
    private static func add(_ path: String, _ bytes: [UInt8], to archive: Archive) throws(SpreadsheetExportError) {
        do {
            try archive.addEntry(
                with: path, type: .file, uncompressedSize: Int64(bytes.count), modificationDate: entryDate,
                compressionMethod: .deflate, bufferSize: 1 << 18
            ) { position, size in
                let start = Int(position)
                return bytes.withUnsafeBufferPointer {
                    Data(buffer: UnsafeBufferPointer(rebasing: $0[start..<start + size]))
                }
            }
        } catch {
            throw .archive("\(path): \(error)")
        }
    }
}
