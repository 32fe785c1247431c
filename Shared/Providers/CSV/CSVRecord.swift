/// One record of a CSV file, borrowed from the reader's buffer for the duration of a callback.
struct CSVRecord {
    /// The reader's buffer.
    let bytes: UnsafeRawBufferPointer
    /// The fields' byte ranges in it.
    let fields: UnsafeBufferPointer<CSVRecordReader.Field>
    /// 1-based line where the record starts.
    let line: Int
    /// The file's name, for errors.
    let fileName: String

    /// How many fields the record has.
    var count: Int { fields.count }

    /// Whether the line is blank: one unquoted field that is empty after trimming.
    var isBlank: Bool { fields.count == 1 && !fields[0].isQuoted && fields[0].start == fields[0].end }

    /// The raw content of field `index` (0-based), trimmed of spaces and tabs, quotes still doubled if escaped.
    func trimmedBytes(_ index: Int) -> UnsafeRawBufferPointer {
        let field = fields[index]
        var start = field.start
        var end = field.end
        if field.isQuoted {
            while start < end, Self.isSpace(bytes[start]) { start += 1 }
            while end > start, Self.isSpace(bytes[end - 1]) { end -= 1 }
        }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }

    /// Whether field `index` holds doubled quotes.
    func isEscaped(_ index: Int) -> Bool { fields[index].isEscaped }

    /// Field `index` as text: quoted content verbatim with `""` turned into `"`, unquoted content trimmed.
    func string(_ index: Int) -> String {
        let field = fields[index]
        let raw = UnsafeRawBufferPointer(rebasing: bytes[field.start..<field.end])
        guard field.isEscaped else { return String(decoding: raw, as: UTF8.self) }
        var unescaped: [UInt8] = []
        unescaped.reserveCapacity(raw.count)
        var position = 0
        while position < raw.count {
            unescaped.append(raw[position])
            // Inside a quoted field a quote only ever occurs doubled; keep one of the pair.
            position += raw[position] == UInt8(ascii: "\"") ? 2 : 1
        }
        return String(decoding: unescaped, as: UTF8.self)
    }

    /// A CSV error at this record's line.
    func error(_ message: String) -> CSVError {
        CSVError(file: fileName, line: line, message: message)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
            || byte == UInt8(ascii: "\n")
    }
}
