import Foundation
import SpreadsheetExport
import Testing
import TradingCalendar

/// Input a spreadsheet cannot hold exactly gets a clear error, never a file Excel would repair or truncate.
@Suite struct WorkbookValidationTests {
    private func sheet(_ name: String = "S", rows: [[WorksheetCell]] = []) -> Worksheet {
        Worksheet(name: name, columns: [WorksheetColumn("a"), WorksheetColumn("b")], rows: rows)
    }

    @Test func aWorkbookNeedsASheet() {
        #expect(throws: SpreadsheetExportError.noSheets) { try Workbook(sheets: []).xlsx() }
    }

    @Test(arguments: [
        "", "a/b", "a\\b", "a?b", "a*b", "a:b", "[a]", "'quoted'", "history", "tab\tname",
        "this name is thirty-two chars!!!",
    ])
    func invalidSheetNamesAreRefused(name: String) {
        #expect {
            try Workbook(sheets: [sheet(name)]).xlsx()
        } throws: { error in
            guard case .invalidSheetName(let refused, _) = error as? SpreadsheetExportError else { return false }
            return refused == name
        }
    }

    @Test func sheetNamesMustDifferIgnoringCase() {
        #expect(throws: SpreadsheetExportError.duplicateSheetName("data")) {
            try Workbook(sheets: [sheet("Data"), sheet("data")]).xlsx()
        }
    }

    @Test func aRowWiderThanTheColumnsIsRefused() {
        #expect(throws: SpreadsheetExportError.rowTooWide(sheet: "S", row: 3, cells: 3, columns: 2)) {
            try Workbook(sheets: [sheet(rows: [[.integer(1)], [.integer(1), .integer(2), .integer(3)]])]).xlsx()
        }
    }

    @Test func aSheetNeedsAColumn() {
        #expect(throws: SpreadsheetExportError.invalidColumnCount(sheet: "Empty", count: 0)) {
            try Workbook(sheets: [Worksheet(name: "Empty", columns: [])]).xlsx()
        }
    }

    @Test func datesOutsideTheSpreadsheetRangeAreRefused() throws {
        let early = SessionDate(year: 1900, month: 2, day: 28)!
        #expect(throws: SpreadsheetExportError.dateOutOfRange(sheet: "S", cell: "B2", date: early)) {
            try Workbook(sheets: [sheet(rows: [[.empty, .date(early)]])]).xlsx()
        }
        let late = SessionDate(year: 10_000, month: 1, day: 1)!
        #expect(throws: SpreadsheetExportError.dateOutOfRange(sheet: "S", cell: "A3", date: late)) {
            try Workbook(sheets: [sheet(rows: [[.integer(1)], [.date(late)]])]).xlsx()
        }
    }

    @Test func integersBeyondTwoToThe53AreRefused() {
        let value = (1 << 53) + 1
        #expect(throws: SpreadsheetExportError.integerNotExact(sheet: "S", cell: "A2", value: value)) {
            try Workbook(sheets: [sheet(rows: [[.integer(value)]])]).xlsx()
        }
    }

    @Test func stringsLongerThanACellHoldsAreRefused() throws {
        let fits = String(repeating: "é", count: 32_767)
        _ = try Workbook(sheets: [sheet(rows: [[.string(fits)]])]).xlsx()
        let tooLong = fits + "x"
        #expect(throws: SpreadsheetExportError.stringTooLong(sheet: "S", cell: "B2", length: 32_768)) {
            try Workbook(sheets: [sheet(rows: [[.empty, .string(tooLong)]])]).xlsx()
        }
    }

    @Test func errorsNameTheProblem() {
        let error = SpreadsheetExportError.dateOutOfRange(
            sheet: "Performance", cell: "A7", date: SessionDate(year: 1899, month: 1, day: 1)!
        )
        let message = "sheet \"Performance\" cell A7 has date 1899-01-01, outside 1900-03-01...9999-12-31"
        #expect(error.description == message)
    }
}
