import Foundation

/// A JSON encoder that writes an object's keys in the order they are encoded, which for the API's bodies is the
/// order of their OpenAPI schema (`OpenAPIKeyOrderTests` checks every answer against it).
///
/// Foundation's `JSONEncoder` on Linux keeps keys in a hash map: without `.sortedKeys` they come out in a different
/// order in each process. Slashes are not escaped; a key encoded twice keeps its first place and its last value;
/// an object nothing was encoded into is `{}`. Stateless: one instance serves every request concurrently.
package struct OrderedJSONEncoder: Sendable {
    /// An encoder.
    package init() {}

    /// The JSON text of `value`, UTF-8.
    package func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = NodeEncoder(codingPath: [])
        try value.encode(to: encoder)
        var output: [UInt8] = []
        output.reserveCapacity(1024)
        JSONNode.write(encoder.node ?? .object(ObjectBox()), to: &output)
        return output
    }
}

// MARK: The tree the containers build

/// An encoded value; objects and arrays are boxes, so a container keeps filling them after they are placed.
private enum JSONNode {
    case null
    case literal(String)
    case string(String)
    case array(ArrayBox)
    case object(ObjectBox)

    static func write(_ node: JSONNode, to output: inout [UInt8]) {
        switch node {
        case .null: output.append(contentsOf: "null".utf8)
        case .literal(let text): output.append(contentsOf: text.utf8)
        case .string(let text): JSONWriter.writeString(text, to: &output)
        case .array(let box):
            output.append(UInt8(ascii: "["))
            for (offset, element) in box.elements.enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                write(element, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let box):
            output.append(UInt8(ascii: "{"))
            for offset in box.keys.indices {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                JSONWriter.writeString(box.keys[offset], to: &output)
                output.append(UInt8(ascii: ":"))
                write(box.values[offset], to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }
}

private final class ArrayBox {
    var elements: [JSONNode] = []
}

private final class ObjectBox {
    var keys: [String] = []
    var values: [JSONNode] = []

    func set(_ key: String, _ value: JSONNode) {
        // Objects are small (a schema's properties); a key encoded again keeps its place.
        if let existing = keys.firstIndex(of: key) {
            values[existing] = value
        } else {
            keys.append(key)
            values.append(value)
        }
    }
}

// MARK: Encoder

/// Encodes one value into ``node``; `place` puts the node where its parent wants it once there is one.
private final class NodeEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    private(set) var node: JSONNode?
    private let place: ((JSONNode) -> Void)?

    init(codingPath: [any CodingKey], place: ((JSONNode) -> Void)? = nil) {
        self.codingPath = codingPath
        self.place = place
    }

    func set(_ value: JSONNode) {
        node = value
        place?(value)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let box: ObjectBox
        if case .object(let existing)? = node {
            box = existing
        } else {
            box = ObjectBox()
            set(.object(box))
        }
        return KeyedEncodingContainer(KeyedContainer(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let box: ArrayBox
        if case .array(let existing)? = node {
            box = existing
        } else {
            box = ArrayBox()
            set(.array(box))
        }
        return UnkeyedContainer(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleValueContainer(encoder: self) }

    /// The node of `value`, encoded at `path`.
    static func node(of value: some Encodable, at path: [any CodingKey]) throws -> JSONNode {
        if let special = special(value) { return special }
        let encoder = NodeEncoder(codingPath: path)
        try value.encode(to: encoder)
        return encoder.node ?? .object(ObjectBox())
    }

    /// Values `JSONEncoder` writes specially rather than through their own `encode(to:)`.
    private static func special(_ value: some Encodable) -> JSONNode? {
        switch value {
        case let url as URL: .string(url.absoluteString)
        case let data as Data: .string(data.base64EncodedString())
        case let decimal as Decimal: .literal(decimal.description)
        default: nil
        }
    }

    static func number<T: BinaryFloatingPoint & TextOutputStreamable>(_ value: T, at path: [any CodingKey])
        throws -> JSONNode
    {
        guard let text = JSONWriter.text(of: value) else {
            throw EncodingError.invalidValue(
                value, .init(codingPath: path, debugDescription: "\(value) is not representable in JSON"))
        }
        return .literal(text)
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: ObjectBox
    let codingPath: [any CodingKey]

    private func path(_ key: Key) -> [any CodingKey] { codingPath + [key] }

    mutating func encodeNil(forKey key: Key) throws { box.set(key.stringValue, .null) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { box.set(key.stringValue, .literal("\(value)")) }
    mutating func encode(_ value: String, forKey key: Key) throws { box.set(key.stringValue, .string(value)) }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        box.set(key.stringValue, try NodeEncoder.number(value, at: path(key)))
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        box.set(key.stringValue, try NodeEncoder.number(value, at: path(key)))
    }
    mutating func encode(_ value: Int, forKey key: Key) throws { box.set(key.stringValue, .literal("\(value)")) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { box.set(key.stringValue, .literal("\(value)")) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { box.set(key.stringValue, .literal("\(value)")) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { box.set(key.stringValue, .literal("\(value)")) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { box.set(key.stringValue, .literal("\(value)")) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { box.set(key.stringValue, .literal("\(value)")) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { box.set(key.stringValue, .literal("\(value)")) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { box.set(key.stringValue, .literal("\(value)")) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { box.set(key.stringValue, .literal("\(value)")) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { box.set(key.stringValue, .literal("\(value)")) }
    mutating func encode(_ value: some Encodable, forKey key: Key) throws {
        box.set(key.stringValue, try NodeEncoder.node(of: value, at: path(key)))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = ObjectBox()
        box.set(key.stringValue, .object(nested))
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(box: nested, codingPath: path(key)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = ArrayBox()
        box.set(key.stringValue, .array(nested))
        return UnkeyedContainer(box: nested, codingPath: path(key))
    }

    mutating func superEncoder() -> any Encoder { superEncoder(key: "super") }

    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(key: key.stringValue) }

    private func superEncoder(key: String) -> any Encoder {
        let box = self.box
        box.set(key, .object(ObjectBox()))
        return NodeEncoder(codingPath: codingPath + [AnyKey(key)]) { box.set(key, $0) }
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let box: ArrayBox
    let codingPath: [any CodingKey]
    var count: Int { box.elements.count }

    private var nextPath: [any CodingKey] { codingPath + [AnyKey(index: count)] }

    mutating func encodeNil() throws { box.elements.append(.null) }
    mutating func encode(_ value: Bool) throws { box.elements.append(.literal("\(value)")) }
    mutating func encode(_ value: String) throws { box.elements.append(.string(value)) }
    mutating func encode(_ value: Double) throws { box.elements.append(try NodeEncoder.number(value, at: nextPath)) }
    mutating func encode(_ value: Float) throws { box.elements.append(try NodeEncoder.number(value, at: nextPath)) }
    mutating func encode(_ value: Int) throws { box.elements.append(.literal("\(value)")) }
    mutating func encode(_ value: Int8) throws { box.elements.append(.literal("\(value)")) }
    mutating func encode(_ value: Int16) throws { box.elements.append(.literal("\(value)")) }
    mutating func encode(_ value: Int32) throws { box.elements.append(.literal("\(value)")) }
    mutating func encode(_ value: Int64) throws { box.elements.append(.literal("\(value)")) }
    mutating func encode(_ value: UInt) throws { box.elements.append(.literal("\(value)")) }
    mutating func encode(_ value: UInt8) throws { box.elements.append(.literal("\(value)")) }
    mutating func encode(_ value: UInt16) throws { box.elements.append(.literal("\(value)")) }
    mutating func encode(_ value: UInt32) throws { box.elements.append(.literal("\(value)")) }
    mutating func encode(_ value: UInt64) throws { box.elements.append(.literal("\(value)")) }
    mutating func encode(_ value: some Encodable) throws {
        box.elements.append(try NodeEncoder.node(of: value, at: nextPath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<NestedKey> {
        let path = nextPath
        let nested = ObjectBox()
        box.elements.append(.object(nested))
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(box: nested, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = nextPath
        let nested = ArrayBox()
        box.elements.append(.array(nested))
        return UnkeyedContainer(box: nested, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let box = self.box
        let index = box.elements.count
        let path = nextPath
        box.elements.append(.object(ObjectBox()))
        return NodeEncoder(codingPath: path) { box.elements[index] = $0 }
    }
}

private struct SingleValueContainer: SingleValueEncodingContainer {
    let encoder: NodeEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws { encoder.set(.null) }
    mutating func encode(_ value: Bool) throws { encoder.set(.literal("\(value)")) }
    mutating func encode(_ value: String) throws { encoder.set(.string(value)) }
    mutating func encode(_ value: Double) throws { encoder.set(try NodeEncoder.number(value, at: codingPath)) }
    mutating func encode(_ value: Float) throws { encoder.set(try NodeEncoder.number(value, at: codingPath)) }
    mutating func encode(_ value: Int) throws { encoder.set(.literal("\(value)")) }
    mutating func encode(_ value: Int8) throws { encoder.set(.literal("\(value)")) }
    mutating func encode(_ value: Int16) throws { encoder.set(.literal("\(value)")) }
    mutating func encode(_ value: Int32) throws { encoder.set(.literal("\(value)")) }
    mutating func encode(_ value: Int64) throws { encoder.set(.literal("\(value)")) }
    mutating func encode(_ value: UInt) throws { encoder.set(.literal("\(value)")) }
    mutating func encode(_ value: UInt8) throws { encoder.set(.literal("\(value)")) }
    mutating func encode(_ value: UInt16) throws { encoder.set(.literal("\(value)")) }
    mutating func encode(_ value: UInt32) throws { encoder.set(.literal("\(value)")) }
    mutating func encode(_ value: UInt64) throws { encoder.set(.literal("\(value)")) }
    mutating func encode(_ value: some Encodable) throws {
        encoder.set(try NodeEncoder.node(of: value, at: codingPath))
    }
}

/// A key for paths and super encoders.
private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(_ string: String) {
        stringValue = string
        intValue = nil
    }

    init(index: Int) {
        stringValue = "Index \(index)"
        intValue = index
    }

    init?(stringValue: String) { self.init(stringValue) }

    init?(intValue: Int) { self.init(index: intValue) }
}
