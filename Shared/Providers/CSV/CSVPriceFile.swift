import Contracts
import Foundation
import TradingCalendar

/// The CSV format of the `csv` provider: a prices file, an optional metadata file and an optional corporate-actions
/// file, each with a header.
///
/// Prices: `date,ticker,open,high,low,close,volume,market_cap`, dates strictly `YYYY-MM-DD`, an empty numeric
/// field meaning missing, and `nan`/`inf`/`-inf`/`Infinity` kept as non-finite values for the validator to
/// reject. Metadata: `ticker,name,sector,exchange`. Actions: `date,ticker,kind,value`, the kind kept as written
/// and an empty value as missing (an unknown kind or a missing value is the validator's to reject, not an error
/// here). Quoting follows RFC 4180 (`"Apple, Inc."`, `""` for a quote);
/// see `CSVRecordReader` for the tolerated variations. Any malformed line is a `CSVError` naming file and line.
package enum CSVPriceFile {
    /// The prices header, exactly.
    package static let pricesHeader = ["date", "ticker", "open", "high", "low", "close", "volume", "market_cap"]
    /// The metadata header, exactly.
    package static let stocksHeader = ["ticker", "name", "sector", "exchange"]
    /// The corporate-actions header, exactly.
    package static let actionsHeader = ["date", "ticker", "kind", "value"]

    /// Reads the prices file and the optional metadata and actions files, grouping rows and actions by date in
    /// file order.
    ///
    /// - Throws: `CSVError` for an unreadable file, a wrong header or a malformed line.
    package static func load(prices: URL, stocks: URL?, actions: URL? = nil) throws -> CSVData {
        var dateIndex: [SessionDate: Int] = [:]
        var dates: [SessionDate] = []
        var buckets: [[PriceRow]] = []
        var lastDate: SessionDate?
        var lastBucket = 0
        var reader = try CSVRecordReader(url: prices)
        try readPrices(&reader) { row in
            // Files are usually sorted by date, so the previous row's bucket is nearly always the right one.
            if row.date != lastDate {
                if let existing = dateIndex[row.date] {
                    lastBucket = existing
                } else {
                    lastBucket = buckets.count
                    dateIndex[row.date] = lastBucket
                    dates.append(row.date)
                    // Dates tend to have similar row counts; sizing a new bucket like the last one avoids
                    // regrowing every bucket from empty.
                    var bucket: [PriceRow] = []
                    bucket.reserveCapacity(buckets.last.map { $0.count + $0.count / 8 + 16 } ?? 0)
                    buckets.append(bucket)
                }
                lastDate = row.date
            }
            buckets[lastBucket].append(row)
        }
        var sessions: [SessionDate: [PriceRow]] = [:]
        sessions.reserveCapacity(dates.count)
        for (date, rows) in zip(dates, buckets) { sessions[date] = rows }
        let stockList = try stocks.map { try loadStocks($0) } ?? []
        let actionList = try actions.map { try loadActions($0) } ?? []
        return CSVData(sessions: sessions, stocks: stockList, actions: Dictionary(grouping: actionList, by: \.date))
    }

    /// Streams the rows of a prices file to `body` in file order without keeping them.
    ///
    /// - Throws: `CSVError`, or what `body` throws.
    package static func forEachRow(in prices: URL, _ body: (PriceRow) throws -> Void) throws {
        var reader = try CSVRecordReader(url: prices)
        try readPrices(&reader, body)
    }

    /// Parses prices from bytes in memory; `name` stands for the file name in errors.
    package static func parsePrices(_ bytes: [UInt8], name: String = "prices.csv") throws -> [PriceRow] {
        var reader = CSVRecordReader(bytes: bytes, name: name)
        var rows: [PriceRow] = []
        try readPrices(&reader) { rows.append($0) }
        return rows
    }

    /// Reads a metadata file; a ticker listed twice keeps its first line.
    ///
    /// - Throws: `CSVError` for an unreadable file, a wrong header or a malformed line.
    package static func loadStocks(_ url: URL) throws -> [StockInfo] {
        var reader = try CSVRecordReader(url: url)
        return try readStocks(&reader)
    }

    /// Parses metadata from bytes in memory; `name` stands for the file name in errors.
    package static func parseStocks(_ bytes: [UInt8], name: String = "stocks.csv") throws -> [StockInfo] {
        var reader = CSVRecordReader(bytes: bytes, name: name)
        return try readStocks(&reader)
    }

    /// Reads a corporate-actions file, in file order.
    ///
    /// - Throws: `CSVError` for an unreadable file, a wrong header or a malformed line.
    package static func loadActions(_ url: URL) throws -> [CorporateAction] {
        var reader = try CSVRecordReader(url: url)
        return try readActions(&reader)
    }

    /// Parses corporate actions from bytes in memory; `name` stands for the file name in errors.
    package static func parseActions(_ bytes: [UInt8], name: String = "actions.csv") throws -> [CorporateAction] {
        var reader = CSVRecordReader(bytes: bytes, name: name)
        return try readActions(&reader)
    }

    // MARK: Parsing

    private static let priceFieldNames = pricesHeader

    /// Checks the header, then hands each price row to `body`.
    private static func readPrices(_ reader: inout CSVRecordReader, _ body: (PriceRow) throws -> Void) throws {
        var sawHeader = false
        try reader.forEachRecord { record in
            if record.isBlank { return }
            guard sawHeader else {
                try checkHeader(record, expected: pricesHeader)
                sawHeader = true
                return
            }
            try body(priceRow(record))
        }
        if !sawHeader { throw missingHeader(reader.fileName, expected: pricesHeader) }
    }

    /// The price row of a data record.
    private static func priceRow(_ record: CSVRecord) throws -> PriceRow {
        guard record.count == 8 else {
            throw record.error("expected 8 fields, found \(record.count)")
        }
        guard let date = SessionDate(utf8: record.trimmedBytes(0)) else {
            throw record.error("field 1 (date) \"\(record.string(0))\" is not a date (YYYY-MM-DD)")
        }
        let tickerBytes = record.trimmedBytes(1)
        guard !tickerBytes.isEmpty else { throw record.error("field 2 (ticker) is empty") }
        let ticker = record.isEscaped(1) ? record.string(1) : String(decoding: tickerBytes, as: UTF8.self)
        return PriceRow(
            date: date, ticker: ticker, open: try number(record, 2), high: try number(record, 3),
            low: try number(record, 4), close: try number(record, 5), volume: try number(record, 6),
            marketCap: try number(record, 7))
    }

    /// Field `index` as a number; nil when empty.
    @inline(__always)
    private static func number(_ record: CSVRecord, _ index: Int) throws -> Double? {
        let bytes = record.trimmedBytes(index)
        if bytes.isEmpty { return nil }
        if !record.isEscaped(index), let value = CSVNumber.parse(bytes) { return value }
        throw record.error(
            "field \(index + 1) (\(priceFieldNames[index])) \"\(record.string(index))\" is not a number")
    }

    /// Checks the header, then reads the metadata lines.
    private static func readStocks(_ reader: inout CSVRecordReader) throws -> [StockInfo] {
        var sawHeader = false
        var seen = Set<String>()
        var stocks: [StockInfo] = []
        try reader.forEachRecord { record in
            if record.isBlank { return }
            guard sawHeader else {
                try checkHeader(record, expected: stocksHeader)
                sawHeader = true
                return
            }
            guard record.count == 4 else {
                throw record.error("expected 4 fields, found \(record.count)")
            }
            let ticker = trimmed(record.string(0))
            guard !ticker.isEmpty else { throw record.error("field 1 (ticker) is empty") }
            guard seen.insert(ticker).inserted else { return }
            stocks.append(
                StockInfo(ticker: ticker, name: record.string(1), sector: record.string(2), exchange: record.string(3)))
        }
        if !sawHeader { throw missingHeader(reader.fileName, expected: stocksHeader) }
        return stocks
    }

    /// Checks the header, then reads the action lines.
    private static func readActions(_ reader: inout CSVRecordReader) throws -> [CorporateAction] {
        var sawHeader = false
        var actions: [CorporateAction] = []
        try reader.forEachRecord { record in
            if record.isBlank { return }
            guard sawHeader else {
                try checkHeader(record, expected: actionsHeader)
                sawHeader = true
                return
            }
            guard record.count == 4 else {
                throw record.error("expected 4 fields, found \(record.count)")
            }
            guard let date = SessionDate(utf8: record.trimmedBytes(0)) else {
                throw record.error("field 1 (date) \"\(record.string(0))\" is not a date (YYYY-MM-DD)")
            }
            let ticker = trimmed(record.string(1))
            guard !ticker.isEmpty else { throw record.error("field 2 (ticker) is empty") }
            let valueBytes = record.trimmedBytes(3)
            var value: Double?
            if !valueBytes.isEmpty {
                guard !record.isEscaped(3), let number = CSVNumber.parse(valueBytes) else {
                    throw record.error("field 4 (value) \"\(record.string(3))\" is not a number")
                }
                value = number
            }
            actions.append(CorporateAction(date: date, ticker: ticker, kind: trimmed(record.string(2)), value: value))
        }
        if !sawHeader { throw missingHeader(reader.fileName, expected: actionsHeader) }
        return actions
    }

    /// Throws unless `record` is exactly `expected` (fields trimmed).
    private static func checkHeader(_ record: CSVRecord, expected: [String]) throws {
        let names = (0..<record.count).map { trimmed(record.string($0)) }
        guard names == expected else {
            throw record.error(
                "header is \"\(names.joined(separator: ","))\", expected \"\(expected.joined(separator: ","))\"")
        }
    }

    /// The error for a file without a header line.
    private static func missingHeader(_ fileName: String, expected: [String]) -> CSVError {
        CSVError(file: fileName, line: 1, message: "no header, expected \"\(expected.joined(separator: ","))\"")
    }

    /// `text` without surrounding spaces, tabs and line breaks.
    private static func trimmed(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = text.firstIndex(where: { !isSpace($0) }),
            let last = text.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(text[first...last])
    }
}
