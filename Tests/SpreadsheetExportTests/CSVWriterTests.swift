import Foundation
import SpreadsheetExport
import TestSupport
import Testing
import TradingCalendar

/// RFC 4180 output: quoting only where needed, quotes doubled, CRLF line ends, typed cells as in xlsx.
@Suite struct CSVWriterTests {
    private func csv(_ rows: [[WorksheetCell]]) -> String {
        var writer = CSVWriter()
        for row in rows { writer.appendRow(row) }
        return String(decoding: writer.data, as: UTF8.self)
    }

    @Test func plainFieldsAreNotQuoted() {
        #expect(csv([[.string("AAPL"), .string("Apple Inc."), .string("")]]) == "AAPL,Apple Inc.,\r\n")
    }

    @Test func fieldsWithSeparatorsQuotesOrLineBreaksAreQuoted() {
        let row: [WorksheetCell] = [
            .string("a,b"), .string("say \"hi\""), .string("line\nbreak"), .string("cr\rhere"), .string("\""),
        ]
        #expect(csv([row]) == "\"a,b\",\"say \"\"hi\"\"\",\"line\nbreak\",\"cr\rhere\",\"\"\"\"\r\n")
    }

    @Test func surroundingWhitespaceIsQuotedSoReadersKeepIt() {
        let written = csv([[.string(" lead"), .string("trail\t"), .string("in side")]])
        #expect(written == "\" lead\",\"trail\t\",in side\r\n")
    }

    @Test func typedCellsUseTheSpreadsheetConventions() {
        let date = SessionDate(year: 2024, month: 2, day: 29)!
        let row: [WorksheetCell] = [
            .date(date), .number(0.1), .number(-0.0), .number(1e21), .number(.nan), .number(-.infinity), .integer(-42),
            .empty, .string("é📈"),
        ]
        #expect(csv([row]) == "2024-02-29,0.1,-0.0,1e+21,,,-42,,é📈\r\n")
    }

    @Test func awkwardFieldsReadBackThroughPythonsCSVModule() throws {
        let fields = [
            "plain", "comma, inside", "\"quoted\"", "multi\nline\r\nfield", " spaced ", "", "emoji 🙂", "tab\tin",
            "trailing quote\"", "bell\u{7}",
        ]
        var writer = CSVWriter()
        writer.appendRow(fields)
        writer.appendRow(fields.reversed())

        let records = try ExternalReader.csvRecords(writer.data)

        #expect(records == [fields, fields.reversed()])
    }
}
