import Foundation
import TradingCalendar

/// Writes RFC 4180 CSV: comma separated, CRLF line ends, fields quoted only when they need it.
///
/// Cells follow the xlsx conventions: numbers with full round-trip precision, non-finite numbers and empty cells as
/// empty fields, dates as `YYYY-MM-DD`. Text is kept whole (control characters included) since CSV can carry it.
package struct CSVWriter: Sendable {
    /// The bytes written so far.
    private var buffer: ByteWriter

    /// An empty document with room for about `capacity` bytes.
    package init(capacity: Int = 4096) {
        buffer = ByteWriter(capacity: capacity)
    }

    /// Appends a header or data row of text fields.
    package mutating func appendRow(_ fields: [String]) {
        appendRow(fields.map(WorksheetCell.string))
    }

    /// Appends a row of typed cells.
    package mutating func appendRow(_ cells: [WorksheetCell]) {
        for (index, cell) in cells.enumerated() {
            if index > 0 { buffer.append(byte: UInt8(ascii: ",")) }
            switch cell {
            case .empty: break
            case .string(let text): buffer.append(csvField: text)
            case .number(let value) where value.isFinite: buffer.append(double: value)
            case .number: break
            case .integer(let value): buffer.append(decimal: value)
            case .date(let date): buffer.append(raw: date.description)
            }
        }
        buffer.append("\r\n")
    }

    /// The document as UTF-8 without a byte order mark.
    package var data: Data { Data(buffer.bytes) }
}
