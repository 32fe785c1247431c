/// Excel's hard limits, which LibreOffice shares; files beyond them open truncated or not at all.
enum XLSXLimits {
    /// Rows in a sheet, the header included.
    static let maxRows = 1_048_576
    /// Columns in a sheet.
    static let maxColumns = 16_384
    /// UTF-16 code units in one cell.
    static let maxStringLength = 32_767
    /// UTF-16 code units in a sheet name.
    static let maxSheetNameLength = 31
    /// The largest integer magnitude a double, and so a spreadsheet cell, holds exactly.
    static let maxExactInteger = 1 << 53
    /// 1970-01-01 as a 1900-system date serial (serial 0 is 1899-12-30 once past Excel's phantom 1900-02-29).
    static let unixEpochSerial = 25_569
    /// Serials below 61 (1900-03-01) mean different days in Excel, which counts a 1900-02-29, and elsewhere.
    static let serialRange = 61...2_958_465
}
