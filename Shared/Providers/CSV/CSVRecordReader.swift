import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Splits a CSV file into RFC 4180 records, reading it in chunks so a file of any size streams through a
/// bounded buffer.
///
/// Tolerated beyond RFC 4180: a UTF-8 byte order mark, LF or CRLF line ends, a missing final line end, blank
/// lines (skipped by the callers), and spaces or tabs around fields, also around quoted ones. Unquoted fields
/// are trimmed; quoted fields keep their content verbatim, with `""` standing for one quote.
struct CSVRecordReader {
    /// One field: a byte range of the buffer, holding doubled quotes when `isEscaped`.
    struct Field {
        /// First byte of the content.
        var start: Int
        /// One past its last byte.
        var end: Int
        /// Whether the field was quoted.
        var isQuoted: Bool
        /// Whether the content contains `""` pairs to be unescaped.
        var isEscaped: Bool
    }

    /// The file's name for error messages.
    let fileName: String
    /// The open file's descriptor; nil once exhausted (in-memory input starts exhausted).
    private var descriptor: Int32?
    /// The bytes read but not yet consumed, from `start` to `end`; read straight into, reused for the whole file.
    private var buffer: [UInt8]
    /// Start of the unconsumed bytes.
    private var start = 0
    /// End of the valid bytes.
    private var end = 0
    /// 1-based line number at `start`.
    private var line = 1
    /// How much to read at a time.
    private let chunkSize: Int

    /// A reader of the file at `path`, named `name` in errors.
    init(path: String, name: String, chunkSize: Int = 1 << 22) throws(CSVError) {
        fileName = name
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw CSVError(file: name, line: 0, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        self.descriptor = descriptor
        self.chunkSize = max(chunkSize, 16)
        buffer = [UInt8](repeating: 0, count: self.chunkSize * 2)
    }

    /// A reader of the file at `url`, named by its last path component in errors.
    init(url: URL, chunkSize: Int = 1 << 22) throws(CSVError) {
        try self.init(path: url.path, name: url.lastPathComponent, chunkSize: chunkSize)
    }

    /// A reader of bytes already in memory.
    init(bytes: [UInt8], name: String) {
        fileName = name
        descriptor = nil
        buffer = bytes
        end = bytes.count
        chunkSize = 1 << 22
    }

    /// Calls `body` with each record in file order, including the header and blank lines.
    ///
    /// The record (and the pointers it hands out) is valid only during the call.
    mutating func forEachRecord(_ body: (CSVRecord) throws -> Void) throws {
        defer { closeFile() }
        var fields: [Field] = []
        fields.reserveCapacity(16)
        var isFirstRead = true
        try fill()
        while true {
            if isFirstRead {
                isFirstRead = false
                if end - start >= 3, buffer[start] == 0xEF, buffer[start + 1] == 0xBB, buffer[start + 2] == 0xBF {
                    start += 3
                }
            }
            let isFinal = descriptor == nil
            if start >= end && isFinal { return }
            var newlines = 0
            let outcome = buffer.withUnsafeBytes { bytes in
                Self.parseRecord(bytes, from: start, end: end, isFinal: isFinal, fields: &fields, newlines: &newlines)
            }
            switch outcome {
            case .record(let next):
                try buffer.withUnsafeBytes { bytes in
                    try fields.withUnsafeBufferPointer { fieldBuffer in
                        try body(CSVRecord(bytes: bytes, fields: fieldBuffer, line: line, fileName: fileName))
                    }
                }
                start = next
                line += newlines
            case .incomplete:
                try fill()
            case .unterminatedQuote:
                throw CSVError(file: fileName, line: line, message: "unterminated quoted field")
            case .textAfterQuote(let field):
                throw CSVError(file: fileName, line: line, message: "field \(field): text after the closing quote")
            }
        }
    }

    /// Moves the unconsumed bytes to the front and reads one more chunk after them; closes at end of file.
    private mutating func fill() throws {
        guard let descriptor else { return }
        if start > 0 {
            let remaining = end - start
            buffer.withUnsafeMutableBytes { bytes in
                guard let base = bytes.baseAddress else { return }
                memmove(base, base + start, remaining)
            }
            end = remaining
            start = 0
        }
        // A record longer than the free space (only a pathological one) grows the buffer.
        if buffer.count - end < chunkSize {
            buffer.append(contentsOf: repeatElement(0, count: chunkSize))
        }
        var count: Int
        repeat {
            count = buffer.withUnsafeMutableBytes { bytes in
                read(descriptor, bytes.baseAddress! + end, chunkSize)
            }
        } while count < 0 && errno == EINTR
        if count < 0 {
            let reason = String(cString: strerror(errno))
            closeFile()
            throw CSVError(file: fileName, line: line, message: "cannot read: \(reason)")
        }
        if count == 0 {
            closeFile()
            return
        }
        end += count
    }

    /// Closes the file if it is still open.
    private mutating func closeFile() {
        if let descriptor {
            close(descriptor)
            self.descriptor = nil
        }
    }

    /// What parsing from a position gave.
    private enum Outcome {
        /// A whole record; the next one starts at `next`.
        case record(next: Int)
        /// The bytes end inside the record and more may follow.
        case incomplete
        /// The input ends inside a quoted field.
        case unterminatedQuote
        /// Something other than a separator follows the closing quote of field number `field` (1-based).
        case textAfterQuote(field: Int)
    }

    private static let quote = UInt8(ascii: "\"")
    private static let comma = UInt8(ascii: ",")
    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")

    /// Parses one record starting at `from` into `fields`, counting the line ends it spans.
    private static func parseRecord(
        _ bytes: UnsafeRawBufferPointer, from: Int, end: Int, isFinal: Bool, fields: inout [Field],
        newlines: inout Int
    ) -> Outcome {
        fields.removeAll(keepingCapacity: true)
        var index = from
        while true {
            while index < end, bytes[index] == space || bytes[index] == tab { index += 1 }
            if index < end, bytes[index] == quote {
                let contentStart = index + 1
                var cursor = contentStart
                var isEscaped = false
                while true {
                    guard cursor < end else { return isFinal ? .unterminatedQuote : .incomplete }
                    let byte = bytes[cursor]
                    if byte == quote {
                        guard cursor + 1 < end else {
                            if isFinal { break }
                            return .incomplete
                        }
                        if bytes[cursor + 1] == quote {
                            isEscaped = true
                            cursor += 2
                            continue
                        }
                        break
                    }
                    if byte == newline { newlines += 1 }
                    cursor += 1
                }
                fields.append(Field(start: contentStart, end: cursor, isQuoted: true, isEscaped: isEscaped))
                index = cursor + 1
                while index < end, bytes[index] == space || bytes[index] == tab || bytes[index] == carriageReturn {
                    index += 1
                }
                guard index < end else { return isFinal ? .record(next: end) : .incomplete }
                if bytes[index] == comma {
                    index += 1
                    continue
                }
                if bytes[index] == newline {
                    newlines += 1
                    return .record(next: index + 1)
                }
                return .textAfterQuote(field: fields.count)
            }
            let fieldStart = index
            while index < end {
                let byte = bytes[index]
                if byte == comma || byte == newline { break }
                index += 1
            }
            if index >= end && !isFinal { return .incomplete }
            var fieldEnd = index
            while fieldEnd > fieldStart,
                bytes[fieldEnd - 1] == space || bytes[fieldEnd - 1] == tab || bytes[fieldEnd - 1] == carriageReturn
            {
                fieldEnd -= 1
            }
            fields.append(Field(start: fieldStart, end: fieldEnd, isQuoted: false, isEscaped: false))
            guard index < end else { return .record(next: end) }
            if bytes[index] == comma {
                index += 1
                continue
            }
            newlines += 1
            return .record(next: index + 1)
        }
    }
}
