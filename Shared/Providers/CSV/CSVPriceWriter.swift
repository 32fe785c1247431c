import Contracts
import Foundation
import TradingCalendar

/// Writes a prices file in the format `CSVPriceFile` reads, streaming through a buffer.
///
/// Numbers are written in Swift's shortest round-trip form, so reading the file back gives the same values bit
/// for bit (`nan`, `inf` and `-inf` included); a missing value is an empty field.
package struct CSVPriceWriter: ~Copyable {
    /// The open file.
    private let handle: FileHandle
    /// Bytes not yet written.
    private var buffer: [UInt8] = []

    /// Creates (or truncates) the file at `url` and writes the header.
    package init(url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CSVError(file: url.lastPathComponent, line: 0, message: "cannot create")
        }
        handle = try FileHandle(forWritingTo: url)
        buffer.reserveCapacity(1 << 20)
        buffer.append(contentsOf: CSVPriceFile.pricesHeader.joined(separator: ",").utf8)
        buffer.append(UInt8(ascii: "\n"))
    }

    /// Appends one row.
    package mutating func write(_ row: PriceRow) throws {
        buffer.append(contentsOf: row.date.description.utf8)
        buffer.append(UInt8(ascii: ","))
        Self.appendText(row.ticker, to: &buffer)
        for value in [row.open, row.high, row.low, row.close, row.volume, row.marketCap] {
            buffer.append(UInt8(ascii: ","))
            if let value { buffer.append(contentsOf: value.description.utf8) }
        }
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Writes what is buffered and closes the file.
    package consuming func finish() throws {
        try flush()
        try handle.close()
    }

    /// Writes the buffer out.
    private mutating func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes a metadata file with its header; names with commas, quotes or line breaks are quoted.
    package static func writeStocks(_ stocks: [StockInfo], to url: URL) throws {
        var bytes: [UInt8] = Array((CSVPriceFile.stocksHeader.joined(separator: ",") + "\n").utf8)
        for stock in stocks {
            for (index, field) in [stock.ticker, stock.name, stock.sector, stock.exchange].enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                appendText(field, to: &bytes)
            }
            bytes.append(UInt8(ascii: "\n"))
        }
        try Data(bytes).write(to: url)
    }

    /// Appends `text` as a field, quoted (with quotes doubled) when RFC 4180 requires it or spaces surround it.
    private static func appendText(_ text: String, to bytes: inout [UInt8]) {
        let needsQuotes =
            text.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 < 0x20 }
            || text.utf8.first == UInt8(ascii: " ") || text.utf8.last == UInt8(ascii: " ")
        guard needsQuotes else {
            bytes.append(contentsOf: text.utf8)
            return
        }
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            bytes.append(byte)
            if byte == UInt8(ascii: "\"") { bytes.append(byte) }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
