import TradingCalendar

/// A body that writes its JSON text itself, in the order of its OpenAPI schema, without going through `Encodable`.
///
/// For the answers read most (a year of performance, a composition): the generic encoder builds a tree of boxes and
/// asks the runtime for generic metadata at every field, which was a quarter of an uncached request's CPU. A body
/// that conforms writes exactly the bytes ``OrderedJSONEncoder`` writes for its `Encodable` form
/// (`JSONWriterTests` checks them against each other).
package protocol JSONWritable {
    /// Writes the body as one JSON value.
    func write(to writer: inout JSONWriter) throws
}

/// Writes JSON text into bytes: objects, arrays, and the scalars the way ``OrderedJSONEncoder`` writes them (numbers
/// as Swift's shortest round-trip text without a trailing `.0`, non-finite numbers refused, strings escaped, slashes
/// not escaped).
package struct JSONWriter {
    /// The text so far, UTF-8.
    package private(set) var bytes: [UInt8] = []
    /// Whether the next key or element needs a comma before it.
    private var separate = false

    /// A writer with room for `capacity` bytes.
    init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    /// The JSON text of `body`.
    package static func encode(_ body: some JSONWritable, capacity: Int = 1024) throws -> [UInt8] {
        var writer = JSONWriter(capacity: capacity)
        try body.write(to: &writer)
        return writer.bytes
    }

    // MARK: Structure

    /// Writes an object: `fields` writes its keys and values.
    mutating func object(_ fields: (inout JSONWriter) throws -> Void) rethrows {
        bytes.append(UInt8(ascii: "{"))
        separate = false
        try fields(&self)
        bytes.append(UInt8(ascii: "}"))
        separate = true
    }

    /// Writes an array of `elements`, each by `element`.
    mutating func array<Element>(
        _ elements: some Sequence<Element>, _ element: (inout JSONWriter, Element) throws -> Void
    ) rethrows {
        bytes.append(UInt8(ascii: "["))
        separate = false
        for value in elements {
            if separate { bytes.append(UInt8(ascii: ",")) }
            try element(&self, value)
            separate = true
        }
        bytes.append(UInt8(ascii: "]"))
        separate = true
    }

    /// Writes an object's key (with the comma before it when it is not the first): a value must follow.
    mutating func key(_ key: some CodingKey) {
        if separate { bytes.append(UInt8(ascii: ",")) }
        Self.writeString(key.stringValue, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        separate = false
    }

    /// Writes keys with their numbers (or `null`), in order.
    mutating func numbers<Key: CodingKey>(_ fields: [(Key, Double?)]) throws {
        for (key, number) in fields {
            self.key(key)
            try value(number)
        }
    }

    // MARK: Values

    /// Writes `null`.
    mutating func null() { append("null") }

    /// Writes a string.
    mutating func value(_ text: String) {
        Self.writeString(text, to: &bytes)
        separate = true
    }

    /// Writes a string, or `null`.
    mutating func value(_ text: String?) {
        guard let text else { return null() }
        value(text)
    }

    /// Writes an integer.
    mutating func value(_ number: Int) { append(number.description) }

    /// Writes a number; a non-finite one is refused, as JSON has none.
    mutating func value(_ number: Double) throws {
        guard number.isFinite else {
            throw EncodingError.invalidValue(
                number, .init(codingPath: [], debugDescription: "\(number) is not representable in JSON"))
        }
        Self.appendNumber(number, to: &bytes)
        separate = true
    }

    /// Writes a number, or `null`.
    mutating func value(_ number: Double?) throws {
        guard let number else { return null() }
        try value(number)
    }

    /// Writes a date as `YYYY-MM-DD`.
    mutating func value(_ date: SessionDate) { value(date.description) }

    /// Writes a date, or `null`.
    mutating func value(_ date: SessionDate?) {
        guard let date else { return null() }
        value(date)
    }

    private mutating func append(_ literal: String) {
        bytes.append(contentsOf: literal.utf8)
        separate = true
    }

    // MARK: The scalars' text, shared with OrderedJSONEncoder

    /// A number's text: Swift's shortest round-trip form, without a trailing `.0`; nil when it is not finite.
    static func text<T: BinaryFloatingPoint & TextOutputStreamable>(of value: T) -> String? {
        guard value.isFinite else { return nil }
        var bytes: [UInt8] = []
        appendNumber(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends a finite number's text (see ``text(of:)``): its digits go straight into the bytes, not through a
    /// String.
    private static func appendNumber<T: BinaryFloatingPoint & TextOutputStreamable>(
        _ value: T, to output: inout [UInt8]
    ) {
        var sink = ByteSink(bytes: output)
        output = []
        value.write(to: &sink)
        output = sink.bytes
        let count = output.count
        if count >= 2, output[count - 2] == UInt8(ascii: "."), output[count - 1] == UInt8(ascii: "0") {
            output.removeLast(2)
        }
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// Appends `text` as a JSON string.
    static func writeString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        // Most text (tickers, dates, names) needs no escape: copy it whole.
        let copied: Bool? = text.utf8.withContiguousStorageIfAvailable { utf8 in
            for byte in utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                return false
            }
            output.append(contentsOf: utf8)
            return true
        }
        if copied == true {
            output.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): output.append(contentsOf: #"\\"#.utf8)
            case 0x0A: output.append(contentsOf: #"\n"#.utf8)
            case 0x0D: output.append(contentsOf: #"\r"#.utf8)
            case 0x09: output.append(contentsOf: #"\t"#.utf8)
            case 0x08: output.append(contentsOf: #"\b"#.utf8)
            case 0x0C: output.append(contentsOf: #"\f"#.utf8)
            case 0..<0x20:
                output.append(contentsOf: #"\u00"#.utf8)
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

/// Collects what a number writes of itself. The standard library hands a number's digits to `_writeASCII` as bytes;
/// taking them from there saves a String per number (the default would build one and call `write`).
private struct ByteSink: TextOutputStream {
    var bytes: [UInt8]

    mutating func write(_ string: String) { bytes.append(contentsOf: string.utf8) }

    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: buffer) }
}
