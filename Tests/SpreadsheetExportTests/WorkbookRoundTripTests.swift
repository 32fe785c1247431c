import Foundation
import SpreadsheetExport
import TestSupport
import Testing
import TradingCalendar

/// Workbooks read back by openpyxl exactly as written: sheet names and order, types and every bit of every number.
@Suite struct WorkbookRoundTripTests {
    /// Doubles that trip naive formatting: signed zero, subnormals, extremes, values with 17 significant digits.
    static let awkwardDoubles: [Double] = [
        0, -0.0, 1, -1, 0.1, 0.2 + 0.1, 1.0 / 3, -2.0 / 3, 123_456_789.123_456_78, 1e-300, Double.leastNonzeroMagnitude,
        Double.leastNormalMagnitude, Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude, 1e16, 1e21,
        9_007_199_254_740_992, 0.012_345_678_901_234_567, -0.046_123, 2.5e-7, 1e15 + 0.5,
    ]

    /// Dates at the edges of the supported range and around leap days.
    static let dates: [SessionDate] = [
        SessionDate(year: 1900, month: 3, day: 1)!, SessionDate(year: 1970, month: 1, day: 1)!,
        SessionDate(year: 2000, month: 2, day: 29)!, SessionDate(year: 2015, month: 1, day: 2)!,
        SessionDate(year: 2024, month: 2, day: 29)!, SessionDate(year: 2024, month: 12, day: 31)!,
        SessionDate(year: 9999, month: 12, day: 31)!,
    ]

    @Test func numbersIntegersDatesAndEmptyCellsReadBackExactly() throws {
        var generator = SeededGenerator(seed: 20_261_122)
        var rows: [[WorksheetCell]] = Self.awkwardDoubles.enumerated().map { [.number($1), .integer($0), .empty] }
        // Random bit patterns reach every exponent and mantissa, not just friendly decimals.
        for _ in 0..<500 {
            var value = Double(bitPattern: generator.next())
            while !value.isFinite { value = Double(bitPattern: generator.next()) }
            rows.append([.number(value), .integer(Int(truncatingIfNeeded: generator.next()) >> 11), .empty])
        }
        rows += Self.dates.map { [.date($0), .empty, .string($0.description)] }
        rows.append([.integer(1 << 53), .integer(-(1 << 53)), .integer(0)])
        rows.append([.number(.nan), .number(.infinity), .number(-.infinity)])
        rows.append([.empty, .empty, .string("last")])
        let sheet = Worksheet(
            name: "Numbers", columns: [WorksheetColumn("value"), WorksheetColumn("integer"), WorksheetColumn("text")],
            rows: rows
        )

        let read = try ExternalReader.openpyxlSheets(Workbook(sheets: [sheet]).xlsx())

        try #require(read.count == 1)
        #expect(read[0].name == "Numbers")
        let expected = expectedRows(of: sheet)
        #expect(read[0].rows.count == expected.count)
        for (index, (got, want)) in zip(read[0].rows, expected).enumerated() where got != want {
            Issue.record("row \(index + 1): read \(got), wrote \(want)")
        }
        #expect(read[0].dateFormats == ["yyyy-mm-dd"])
    }

    @Test func sheetNamesAndOrderArePreserved() throws {
        let names = ["Zeta", "alpha", "Résumé & <Notes>", "31 characters is the limit here", "🙂 émoji", "O'Brien"]
        let sheets = names.enumerated().map { offset, name in
            Worksheet(name: name, columns: [WorksheetColumn("n")], rows: [[.integer(offset)]])
        }

        let read = try ExternalReader.openpyxlSheets(Workbook(sheets: sheets).xlsx())

        #expect(read.map(\.name) == names)
        #expect(read.map(\.rows) == sheets.map { expectedRows(of: $0) })
        // Every sheet keeps its header row in view.
        #expect(read.allSatisfy { $0.frozen == "A2" })
    }

    @Test func shortRowsAreFilledWithEmptyCells() throws {
        let sheet = Worksheet(
            name: "Ragged", columns: ["a", "b", "c", "d"].map { WorksheetColumn($0) },
            rows: [[.integer(1)], [], [.string("x"), .empty, .number(2.5)], [.date(Self.dates[3])]]
        )

        let read = try ExternalReader.openpyxlSheets(Workbook(sheets: [sheet]).xlsx())

        #expect(read.first?.rows == expectedRows(of: sheet))
        #expect(read.first?.rows.allSatisfy { $0.count == 4 } == true)
    }

    @Test func manyColumnsGetMultiLetterReferences() throws {
        // 800 columns reach the three-letter references (AAA is column 703).
        let columns = (0..<800).map { WorksheetColumn("c\($0)") }
        let sheet = Worksheet(name: "Wide", columns: columns, rows: [(0..<800).map { .integer($0 * 3) }])

        let read = try ExternalReader.openpyxlSheets(Workbook(sheets: [sheet]).xlsx())

        #expect(read.first?.rows == expectedRows(of: sheet))
    }

    @Test func equalWorkbooksGiveEqualBytes() throws {
        let sheet = Worksheet(name: "S", columns: [WorksheetColumn("a")], rows: [[.number(1.5)], [.string("b")]])

        let first = try Workbook(sheets: [sheet]).xlsx()
        let second = try Workbook(sheets: [sheet]).xlsx()

        #expect(first == second)
    }
}
