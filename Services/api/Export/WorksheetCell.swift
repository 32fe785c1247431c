import TradingCalendar

/// One typed cell of a worksheet or CSV row.
///
/// The type decides how the value is stored: strings as text, numbers and integers as numbers, dates as real
/// spreadsheet dates (a serial number with a date format), so a spreadsheet can sort, sum and chart them.
package enum WorksheetCell: Sendable, Equatable {
    /// Text; characters that XML 1.0 cannot carry (most C0 controls, U+FFFE, U+FFFF) are left out of xlsx.
    case string(String)
    /// A number written with full round-trip precision; NaN and infinities become empty cells.
    case number(Double)
    /// A whole number; xlsx refuses magnitudes above 2^53, which spreadsheets would round.
    case integer(Int)
    /// A calendar date, shown as `yyyy-mm-dd`.
    case date(SessionDate)
    /// No value.
    case empty
}

extension WorksheetCell {
    /// A string cell, or an empty one for nil.
    package static func string(_ value: String?) -> WorksheetCell {
        value.map { .string($0) } ?? .empty
    }

    /// A number cell, or an empty one for nil.
    package static func number(_ value: Double?) -> WorksheetCell {
        value.map { .number($0) } ?? .empty
    }

    /// An integer cell, or an empty one for nil.
    package static func integer(_ value: Int?) -> WorksheetCell {
        value.map { .integer($0) } ?? .empty
    }
}
