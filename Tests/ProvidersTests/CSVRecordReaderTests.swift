import Contracts
import Foundation
import TestSupport
import Testing

@testable import Providers

@Suite("CSV reader: records split across read chunks")
struct CSVRecordReaderTests {
    /// A file with every construct that can straddle a chunk boundary: BOM, CRLF, quotes, doubled quotes,
    /// line breaks inside quotes, blank lines, a missing final line end.
    static let text =
        "\u{FEFF}ticker,name,sector,exchange\r\n"
        + "AAPL,\"Apple, Inc.\",Information Technology,NASDAQ\r\n"
        + "\r\n"
        + "BRK.B,\"Berkshire \"\"B\"\"\",Financials,NYSE\n"
        + "  T  ,\"AT&T\r\nInc.\" ,Communication Services, NYSE\n"
        + "X,\"\",\"\"\"\",\"a\"\"\"\n"
        + "Z,last,line,\"no newline\""

    static let expected = [
        StockInfo(ticker: "AAPL", name: "Apple, Inc.", sector: "Information Technology", exchange: "NASDAQ"),
        StockInfo(ticker: "BRK.B", name: "Berkshire \"B\"", sector: "Financials", exchange: "NYSE"),
        StockInfo(ticker: "T", name: "AT&T\r\nInc.", sector: "Communication Services", exchange: "NYSE"),
        StockInfo(ticker: "X", name: "", sector: "\"", exchange: "a\""),
        StockInfo(ticker: "Z", name: "last", sector: "line", exchange: "no newline"),
    ]

    @Test("in memory, the file parses to the expected metadata")
    func inMemory() throws {
        #expect(try CSVPriceFile.parseStocks(Array(Self.text.utf8)) == Self.expected)
    }

    @Test("every chunk size gives the same records and line numbers", arguments: [16, 17, 19, 23, 31, 64, 1000])
    func chunked(chunkSize: Int) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try write(Self.text, named: "stocks.csv", in: directory)
        var reader = try CSVRecordReader(url: url, chunkSize: chunkSize)
        var records: [[String]] = []
        var lines: [Int] = []
        try reader.forEachRecord { record in
            records.append((0..<record.count).map { record.string($0) })
            lines.append(record.line)
        }
        var memory = CSVRecordReader(bytes: Array(Self.text.utf8), name: "stocks.csv")
        var expected: [[String]] = []
        var expectedLines: [Int] = []
        try memory.forEachRecord { record in
            expected.append((0..<record.count).map { record.string($0) })
            expectedLines.append(record.line)
        }
        #expect(records == expected)
        #expect(lines == expectedLines)
        #expect(lines == [1, 2, 3, 4, 5, 7, 8])
    }

    @Test("an unterminated quote at the end of a chunked file is reported at the record's line")
    func unterminatedAcrossChunks() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try write("a,b\nc,\"d\ne\nf", named: "x.csv", in: directory)
        var reader = try CSVRecordReader(url: url, chunkSize: 16)
        #expect(throws: CSVError(file: "x.csv", line: 2, message: "unterminated quoted field")) {
            try reader.forEachRecord { _ in }
        }
    }

    @Test("numbers: the fast path agrees with Double(String) on random decimals")
    func numbers() {
        var generator = SeededGenerator(seed: 5)
        for _ in 0..<20_000 {
            let integer = generator.next() % 10_000_000_000
            let fraction = generator.next() % 1_000_000
            let text = "\(integer).\(fraction)"
            let parsed = text.utf8.withContiguousStorageIfAvailable { CSVNumber.parse(UnsafeRawBufferPointer($0)) }
            #expect(parsed??.bitPattern == Double(text)?.bitPattern, "\(text)")
        }
    }
}
