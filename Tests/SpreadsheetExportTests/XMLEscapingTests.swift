import Foundation
import TestSupport
import Testing
import TradingCalendar

@testable import SpreadsheetExport

/// Text that XML or Excel treats specially is escaped so it reads back unchanged, minus what XML cannot carry.
@Suite struct XMLEscapingTests {
    /// `string` as it must read back from xlsx: the characters XML 1.0 forbids removed, nothing else changed.
    static func xmlRepresentable(_ string: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in string.unicodeScalars {
            let value = scalar.value
            let allowed =
                value == 0x9 || value == 0xA || value == 0xD || (0x20...0xFFFD).contains(value)
                || value >= 0x10000
            if allowed { scalars.append(scalar) }
        }
        return String(scalars)
    }

    /// Strings with markup, quotes, emoji, combining marks, controls, whitespace and Excel's `_xHHHH_` escape.
    static let awkwardStrings = [
        "AT&T", "<b>bold</b>", "a < b > c", "\"double\" and 'single' quotes", "]]> ends CDATA", "&amp; already",
        "emoji 📈🇺🇸👩‍💻", "e\u{301}clair", "日本語の会社", "tab\there", "line\nfeed", "carriage\rreturn",
        "crlf\r\nline", "bell\u{7}null\u{0}escape\u{1B}", "\u{FFFE}\u{FFFF}nonchars", " leading space",
        "trailing space ", "   ", "_x0041_ looks escaped", "_x00e9__X00FF_", "_x12_ too short", "\u{7F}delete",
        "=SUM(A1:A2)", "-1", "0042", "", "\u{1F}",
    ]

    @Test func awkwardStringsReadBackFromOpenpyxl() throws {
        let rows = Self.awkwardStrings.enumerated().map { [WorksheetCell.integer($0), .string($1)] }
        let sheet = Worksheet(
            name: "Text", columns: [WorksheetColumn("n"), WorksheetColumn("text & <more>")], rows: rows
        )

        let read = try ExternalReader.openpyxlSheets(Workbook(sheets: [sheet]).xlsx())

        try #require(read.count == 1)
        // An empty string stays a (text) cell, also when only XML-invalid characters made it up.
        let expected = expectedRows(of: sheet, text: Self.xmlRepresentable)
        #expect(read[0].rows.count == expected.count)
        for (got, want) in zip(read[0].rows, expected) where got != want {
            Issue.record("read \(got), wrote \(want)")
        }
    }

    @Test func markupCharactersAreEscapedInText() {
        #expect(escaped("a&b<c>d\"e'f") == "a&amp;b&lt;c&gt;d&quot;e'f")
    }

    @Test func carriageReturnBecomesACharacterReference() {
        // A literal CR would be turned into LF by every XML parser.
        #expect(escaped("a\rb\nc\td") == "a&#13;b\nc\td")
    }

    @Test func whitespaceControlsAreReferencesInAttributes() {
        #expect(escaped("a\tb\nc\rd", attribute: true) == "a&#9;b&#10;c&#13;d")
    }

    @Test func charactersXMLCannotCarryAreRemoved() {
        #expect(escaped("a\u{0}b\u{8}c\u{B}d\u{C}e\u{1F}f\u{FFFE}g\u{FFFF}h") == "abcdefgh")
        // U+FFFD and characters beyond the BMP are fine and stay.
        #expect(escaped("\u{FFFD}\u{1F4C8}\u{EFFF}") == "\u{FFFD}\u{1F4C8}\u{EFFF}")
    }

    @Test func excelCharacterEscapesAreThemselvesEscaped() {
        #expect(escaped("_x0041_") == "_x005F_x0041_")
        #expect(escaped("a_xBEEF_b_x12_c_x123g_") == "a_x005F_xBEEF_b_x12_c_x123g_")
        // Sheet names and other attributes are not cell text, where Excel does not apply the escape.
        #expect(escaped("_x0041_", attribute: true) == "_x0041_")
    }

    @Test func plainTextIsCopiedUnchanged() {
        let text = "Apple Inc. 📈 Société Générale"
        #expect(escaped(text) == text)
    }

    private func escaped(_ text: String, attribute: Bool = false) -> String {
        var buffer = ByteWriter(capacity: 64)
        buffer.append(xmlEscaped: text, attribute: attribute)
        return String(decoding: buffer.bytes, as: UTF8.self)
    }
}
