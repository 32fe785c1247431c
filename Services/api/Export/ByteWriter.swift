/// A growable UTF-8 byte writer with the escaping XML and CSV need, cheaper than building `String`s per cell.
struct ByteWriter {
    /// The bytes written so far.
    private(set) var bytes: [UInt8]

    /// An empty buffer with room for `capacity` bytes, so large sheets do not reallocate as they grow.
    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// The number of bytes written.
    var count: Int { bytes.count }

    /// Appends literal markup.
    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends raw bytes.
    mutating func append(bytes other: [UInt8]) {
        bytes.append(contentsOf: other)
    }

    /// Appends one byte.
    mutating func append(byte: UInt8) {
        bytes.append(byte)
    }

    /// Appends a string's UTF-8 bytes unchanged.
    mutating func append(raw string: String) {
        var string = string
        string.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Appends `value` in decimal without going through `String`.
    mutating func append(decimal value: Int) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start..<20]))
        }
    }

    /// Appends `value` as the shortest decimal that reads back to the same bits (Swift's `description`).
    mutating func append(double value: Double) {
        append(raw: value.description)
    }

    /// Appends `string` escaped for XML text (`attribute == false`) or a double-quoted attribute value.
    ///
    /// Characters XML 1.0 forbids (C0 controls other than tab, LF and CR; U+FFFE; U+FFFF) are left out: no
    /// parser accepts them, even as character references. CR is written as `&#13;` because parsers turn a literal
    /// CR into LF; in attributes tab and LF are references too, as parsers turn them into spaces. In cell text a
    /// literal `_xHHHH_` gets its underscore escaped as `_x005F_`, since Excel reads `_xHHHH_` as an escaped
    /// character.
    mutating func append(xmlEscaped string: String, attribute: Bool = false) {
        var string = string
        string.withUTF8 { utf8 in
            let count = utf8.count
            var runStart = 0
            var index = 0
            while index < count {
                let byte = utf8[index]
                let replacement: StaticString
                var skipped = 1
                switch byte {
                case UInt8(ascii: "&"): replacement = "&amp;"
                case UInt8(ascii: "<"): replacement = "&lt;"
                case UInt8(ascii: ">"): replacement = "&gt;"
                case UInt8(ascii: "\""): replacement = "&quot;"
                case 0x0D: replacement = "&#13;"
                case 0x09 where attribute: replacement = "&#9;"
                case 0x0A where attribute: replacement = "&#10;"
                case 0x09, 0x0A:
                    index += 1
                    continue
                case 0x00..<0x20:
                    replacement = ""
                case 0xEF
                where index + 2 < count && utf8[index + 1] == 0xBF
                    && (utf8[index + 2] == 0xBE || utf8[index + 2] == 0xBF):
                    // U+FFFE and U+FFFF are noncharacters that XML excludes.
                    replacement = ""
                    skipped = 3
                case UInt8(ascii: "_") where !attribute && Self.startsEscapedCharacter(utf8, at: index):
                    replacement = "_x005F_"
                default:
                    index += 1
                    continue
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                replacement.withUTF8Buffer { bytes.append(contentsOf: $0) }
                index += skipped
                runStart = index
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<count]))
        }
    }

    /// Appends `string` as one RFC 4180 field: quoted, with quotes doubled, when it holds a comma, quote, CR or LF
    /// or begins or ends with whitespace (which some readers trim from unquoted fields).
    mutating func append(csvField string: String) {
        var string = string
        string.withUTF8 { utf8 in
            guard Self.needsCSVQuotes(utf8) else {
                bytes.append(contentsOf: utf8)
                return
            }
            bytes.append(UInt8(ascii: "\""))
            for byte in utf8 {
                if byte == UInt8(ascii: "\"") { bytes.append(byte) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }

    /// Whether `utf8[index...]` (an underscore) reads as Excel's `_xHHHH_` escape.
    private static func startsEscapedCharacter(_ utf8: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        guard index + 6 < utf8.count, utf8[index + 1] == UInt8(ascii: "x"), utf8[index + 6] == UInt8(ascii: "_")
        else { return false }
        for offset in 2...5 {
            switch utf8[index + offset] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
                UInt8(ascii: "A")...UInt8(ascii: "F"):
                continue
            default:
                return false
            }
        }
        return true
    }

    /// Whether an RFC 4180 field needs quoting.
    private static func needsCSVQuotes(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = utf8.first, let last = utf8.last else { return false }
        if first == UInt8(ascii: " ") || first == 0x09 || last == UInt8(ascii: " ") || last == 0x09 { return true }
        return utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0D || $0 == 0x0A }
    }
}
