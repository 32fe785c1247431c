import Foundation

/// A JSON value that keeps its objects' keys in document order (`JSONSerialization` does not), for checking the
/// order of the API's keys and reading the order of the OpenAPI schema's properties.
indirect enum OrderedJSON: Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([OrderedJSON])
    case object([(key: String, value: OrderedJSON)])

    static func == (lhs: OrderedJSON, rhs: OrderedJSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
        default: false
        }
    }

    /// The value of `key` in an object.
    subscript(key: String) -> OrderedJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// The keys of an object, in order.
    var keys: [String] {
        guard case .object(let members) = self else { return [] }
        return members.map(\.key)
    }

    var string: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }

    struct ParseError: Error, CustomStringConvertible {
        var offset: Int
        var description: String { "invalid JSON at byte \(offset)" }
    }

    /// Parses `data`.
    static func parse(_ data: some Sequence<UInt8>) throws -> OrderedJSON {
        var parser = Parser(bytes: Array(data))
        let value = try parser.value()
        parser.skipSpace()
        guard parser.offset == parser.bytes.count else { throw ParseError(offset: parser.offset) }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var offset = 0

        mutating func skipSpace() {
            while offset < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[offset]) { offset += 1 }
        }

        mutating func expect(_ byte: UInt8) throws {
            skipSpace()
            guard offset < bytes.count, bytes[offset] == byte else { throw ParseError(offset: offset) }
            offset += 1
        }

        mutating func peek() throws -> UInt8 {
            skipSpace()
            guard offset < bytes.count else { throw ParseError(offset: offset) }
            return bytes[offset]
        }

        mutating func value() throws -> OrderedJSON {
            switch try peek() {
            case UInt8(ascii: "{"):
                offset += 1
                var members: [(key: String, value: OrderedJSON)] = []
                if try peek() == UInt8(ascii: "}") {
                    offset += 1
                    return .object(members)
                }
                repeat {
                    guard case .string(let key) = try value() else { throw ParseError(offset: offset) }
                    try expect(UInt8(ascii: ":"))
                    members.append((key, try value()))
                } while try separator(closing: UInt8(ascii: "}"))
                return .object(members)
            case UInt8(ascii: "["):
                offset += 1
                var elements: [OrderedJSON] = []
                if try peek() == UInt8(ascii: "]") {
                    offset += 1
                    return .array(elements)
                }
                repeat { elements.append(try value()) } while try separator(closing: UInt8(ascii: "]"))
                return .array(elements)
            case UInt8(ascii: "\""):
                return .string(try string())
            default:
                let start = offset
                while offset < bytes.count, !",]} \n\r\t".utf8.contains(bytes[offset]) { offset += 1 }
                let token = String(decoding: bytes[start..<offset], as: UTF8.self)
                switch token {
                case "null": return .null
                case "true": return .bool(true)
                case "false": return .bool(false)
                default:
                    guard let number = Double(token) else { throw ParseError(offset: start) }
                    return .number(number)
                }
            }
        }

        /// After an element: true for a comma, false for the closing bracket.
        mutating func separator(closing: UInt8) throws -> Bool {
            let byte = try peek()
            offset += 1
            if byte == UInt8(ascii: ",") { return true }
            guard byte == closing else { throw ParseError(offset: offset - 1) }
            return false
        }

        mutating func string() throws -> String {
            try expect(UInt8(ascii: "\""))
            var text: [UInt8] = []
            while offset < bytes.count {
                let byte = bytes[offset]
                offset += 1
                switch byte {
                case UInt8(ascii: "\""): return String(decoding: text, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard offset < bytes.count else { throw ParseError(offset: offset) }
                    let escaped = bytes[offset]
                    offset += 1
                    switch escaped {
                    case UInt8(ascii: "n"): text.append(0x0A)
                    case UInt8(ascii: "t"): text.append(0x09)
                    case UInt8(ascii: "r"): text.append(0x0D)
                    case UInt8(ascii: "b"): text.append(0x08)
                    case UInt8(ascii: "f"): text.append(0x0C)
                    case UInt8(ascii: "u"):
                        guard offset + 4 <= bytes.count,
                            let code = UInt32(String(decoding: bytes[offset..<offset + 4], as: UTF8.self), radix: 16)
                        else { throw ParseError(offset: offset) }
                        offset += 4
                        text.append(contentsOf: String(UnicodeScalar(code).map(Character.init) ?? "?").utf8)
                    default: text.append(escaped)
                    }
                default: text.append(byte)
                }
            }
            throw ParseError(offset: offset)
        }
    }
}

/// Checks that every object of an answer has its keys in the order of its schema's `properties`.
struct SchemaKeyOrder {
    let document: OrderedJSON
    /// Objects checked so far (a check that looked at nothing proves nothing).
    private(set) var objectsChecked = 0

    init(document: OrderedJSON) { self.document = document }

    /// The schema a `$ref` names, or the schema itself.
    func resolve(_ schema: OrderedJSON) -> OrderedJSON {
        guard let reference = schema["$ref"]?.string, reference.hasPrefix("#/") else { return schema }
        var node = document
        for part in reference.dropFirst(2).split(separator: "/") {
            guard let next = node[String(part)] else { return schema }
            node = next
        }
        return resolve(node)
    }

    /// The places where `value`'s keys are out of the order of `schema`'s properties, or not among them.
    mutating func problems(_ value: OrderedJSON, _ schema: OrderedJSON, at path: String = "$") -> [String] {
        let schema = resolve(schema)
        if case .array(let alternatives)? = schema["oneOf"] ?? schema["anyOf"] {
            // The alternative whose properties are the value's: an object schema for an object.
            let resolved = alternatives.map(resolve)
            let fitting =
                resolved.first { alternative in
                    if case .object = value { return alternative["properties"] != nil }
                    return alternative["properties"] == nil
                } ?? resolved.first
            return fitting.map { problems(value, $0, at: path) } ?? []
        }
        switch value {
        case .array(let elements):
            guard let items = schema["items"] else { return [] }
            return elements.enumerated().flatMap { problems($1, items, at: "\(path)[\($0)]") }
        case .object(let members):
            guard case .object(let properties)? = schema["properties"] else { return [] }
            objectsChecked += 1
            let order = properties.map(\.key)
            var found: [String] = []
            var last = -1
            for member in members {
                guard let position = order.firstIndex(of: member.key) else {
                    if schema["additionalProperties"] == .bool(false) {
                        found.append("\(path): key \(member.key) is not in the schema")
                    }
                    continue
                }
                if position < last {
                    found.append("\(path): keys \(members.map(\.key)) are not in the schema's order \(order)")
                    break
                }
                last = position
            }
            for member in members {
                if let property = properties.first(where: { $0.key == member.key })?.value {
                    found += problems(member.value, property, at: "\(path).\(member.key)")
                }
            }
            return found
        default:
            return []
        }
    }
}
