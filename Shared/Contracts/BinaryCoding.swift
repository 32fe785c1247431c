import Foundation
import TradingCalendar

/// Appends little-endian values to a byte buffer: the compact encoding of the large price payloads.
///
/// JSON costs more than the rest of the pipeline together for batches of thousands of rows, so the price batches
/// travel in this format: LEB128 lengths, UTF-8 strings, IEEE 754 doubles bit for bit (NaN and infinities survive).
package struct BinaryWriter {
    /// The bytes written so far.
    package private(set) var bytes: [UInt8] = []

    /// A writer with room for `capacity` bytes.
    package init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    /// Writes one byte.
    package mutating func write(_ value: UInt8) { bytes.append(value) }

    /// Writes an unsigned LEB128 integer.
    package mutating func writeVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// Writes a non-negative Int as LEB128.
    package mutating func writeCount(_ value: Int) { writeVarint(UInt64(value)) }

    /// Writes a signed 32-bit integer (zig-zag LEB128).
    package mutating func write(_ value: Int32) {
        writeVarint(UInt64(UInt32(bitPattern: (value << 1) ^ (value >> 31))))
    }

    /// Writes a double's bit pattern.
    package mutating func write(_ value: Double) {
        var bits = value.bitPattern.littleEndian
        withUnsafeBytes(of: &bits) { bytes.append(contentsOf: $0) }
    }

    /// Writes a length-prefixed UTF-8 string.
    package mutating func write(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            writeCount(utf8.count)
            bytes.append(contentsOf: utf8)
        }
    }

    /// Writes a session date as its day number.
    package mutating func write(_ value: SessionDate) { write(value.dayNumber) }

    /// Writes a Bool as one byte.
    package mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }

    /// Writes `raw` as it is: bytes already in the encoding.
    package mutating func write(raw: UnsafeRawBufferPointer) { bytes.append(contentsOf: raw) }
}

/// Reads what ``BinaryWriter`` wrote; every read checks bounds and throws on a truncated or corrupt payload.
package struct BinaryReader {
    private let bytes: [UInt8]
    /// The read position.
    package private(set) var offset: Int

    /// A reader over `data`.
    package init(_ data: Data) {
        bytes = [UInt8](data)
        offset = 0
    }

    /// Whether everything has been read.
    package var isAtEnd: Bool { offset == bytes.count }

    /// Why a payload could not be read.
    package struct Failure: Error, CustomStringConvertible {
        /// What went wrong.
        package var reason: String
        /// Where.
        package var offset: Int
        /// One line.
        package var description: String { "\(reason) at byte \(offset)" }
    }

    /// Reads one byte.
    package mutating func readByte() throws -> UInt8 {
        guard offset < bytes.count else { throw Failure(reason: "truncated payload", offset: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Reads an unsigned LEB128 integer.
    package mutating func readVarint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readByte()
            guard shift < 64 else { throw Failure(reason: "integer too long", offset: offset) }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Reads a count, refusing one larger than the bytes left could hold (a corrupt length must not allocate).
    package mutating func readCount(minimumElementSize: Int = 1) throws -> Int {
        let value = try readVarint()
        let remaining = bytes.count - offset
        guard value <= UInt64(remaining / max(1, minimumElementSize)) else {
            throw Failure(reason: "count \(value) exceeds the payload", offset: offset)
        }
        return Int(value)
    }

    /// Reads a non-negative integer that is not a count of following elements.
    package mutating func readInt() throws -> Int {
        let value = try readVarint()
        guard value <= UInt64(Int.max) else { throw Failure(reason: "integer out of range", offset: offset) }
        return Int(value)
    }

    /// Reads a zig-zag LEB128 signed 32-bit integer.
    package mutating func readInt32() throws -> Int32 {
        let raw = try readVarint()
        guard raw <= UInt64(UInt32.max) else { throw Failure(reason: "integer out of range", offset: offset) }
        let value = UInt32(raw)
        return Int32(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
    }

    /// Reads a double.
    package mutating func readDouble() throws -> Double {
        guard offset + 8 <= bytes.count else { throw Failure(reason: "truncated payload", offset: offset) }
        let bits = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self) }
        offset += 8
        return Double(bitPattern: UInt64(littleEndian: bits))
    }

    /// Reads a length-prefixed UTF-8 string.
    package mutating func readString() throws -> String {
        let count = try readCount()
        let start = offset
        offset += count
        let text = bytes.withUnsafeBufferPointer { buffer in
            let utf8 = UnsafeBufferPointer(rebasing: buffer[start..<(start + count)])
            // ASCII (every ticker and date so far) is valid UTF-8 as it is; `String(validating:)` instantiates generic
            // metadata on every call, a fifth of the index-builder's time reading a history's pages.
            var ascii = true
            for byte in utf8 where byte >= 0x80 {
                ascii = false
                break
            }
            return ascii ? String(decoding: utf8, as: UTF8.self) : String(validating: utf8, as: UTF8.self)
        }
        guard let text else { throw Failure(reason: "invalid UTF-8", offset: start) }
        return text
    }

    /// Reads a session date.
    package mutating func readDate() throws -> SessionDate { SessionDate(dayNumber: try readInt32()) }

    /// Reads a Bool.
    package mutating func readBool() throws -> Bool {
        switch try readByte() {
        case 0: false
        case 1: true
        default: throw Failure(reason: "invalid boolean", offset: offset - 1)
        }
    }
}

extension BinaryWriter {
    /// Writes any Int (zig-zag LEB128).
    package mutating func writeSigned(_ value: Int) {
        writeVarint(UInt64(bitPattern: Int64((value << 1) ^ (value >> (Int.bitWidth - 1)))))
    }

    /// Writes whether there is a value, then the value.
    package mutating func writeOptional(_ value: String?) {
        write(value != nil)
        if let value { write(value) }
    }

    /// Writes whether there is a value, then the value.
    package mutating func writeOptional(_ value: Double?) {
        write(value != nil)
        if let value { write(value) }
    }

    /// Writes whether there is a value, then the value.
    package mutating func writeOptional(_ value: SessionDate?) {
        write(value != nil)
        if let value { write(value) }
    }
}

extension BinaryReader {
    /// Reads what ``BinaryWriter/writeSigned(_:)`` wrote.
    package mutating func readSigned() throws -> Int {
        let raw = try readVarint()
        return Int(truncatingIfNeeded: Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))))
    }

    /// Reads what ``BinaryWriter/writeOptional(_:)-(String?)`` wrote.
    package mutating func readOptionalString() throws -> String? { try readBool() ? try readString() : nil }

    /// Reads what ``BinaryWriter/writeOptional(_:)-(Double?)`` wrote.
    package mutating func readOptionalDouble() throws -> Double? { try readBool() ? try readDouble() : nil }

    /// Reads what ``BinaryWriter/writeOptional(_:)-(SessionDate?)`` wrote.
    package mutating func readOptionalDate() throws -> SessionDate? { try readBool() ? try readDate() : nil }
}
