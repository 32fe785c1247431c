import Foundation

/// A versioned message: what travels between the services, whatever carries it.
///
/// The schema name is derived from what the message is (its ``MessageKind``, or the kind of storage request it
/// answers), never typed out per type; the version is 1 until a type says otherwise. The transport sends
/// ``schemaTag`` beside the body and hands it back to ``decoded(from:schemaTag:)``.
package protocol WireMessage: Codable, Sendable {
    /// The schema name, such as `price-batch`.
    static var schema: String { get }
    /// The schema version this code writes and reads.
    static var version: Int { get }
    /// The payload bytes (JSON unless the type has a compact encoding).
    func encoded() throws -> Data
    /// Decodes a payload, checking the schema tag the transport carried (when it carried one) and the version.
    static func decoded(from data: Data, schemaTag: String?) throws -> Self
}

/// The messages of the pipeline and its stores, one case per message family member; the raw value is the schema.
package enum MessageKind: String, Sendable, CaseIterable {
    /// A session's rows as a provider delivered them.
    case priceBatch = "price-batch"
    /// A session's valid rows.
    case validatedBatch = "validated-batch"
    /// A session's rejected rows.
    case rejectionBatch = "rejection-batch"
    /// An index session computed.
    case indexResult = "index-result"
    /// The constituents added and removed at a session.
    case compositionEvent = "composition-event"
    /// A request to fetch and compute a range again.
    case replayRequest = "replay-request"
    /// A build job's state.
    case job = "job"
    /// A service's answer to a liveness ping.
    case healthReply = "health-reply"
}

/// A message that is one of the ``MessageKind``s: its schema is the kind's name.
package protocol KindedMessage: WireMessage {
    /// What the message is.
    static var kind: MessageKind { get }
}

extension KindedMessage {
    /// The kind's name.
    package static var schema: String { kind.rawValue }
}

/// Why a payload could not be decoded. Redelivery cannot fix it: the consumer dead-letters the message.
package enum ContractError: Error, CustomStringConvertible {
    /// The schema tag names another schema.
    case wrongSchema(expected: String, found: String)
    /// The version is one this code does not read.
    case unsupportedVersion(schema: String, version: Int, supported: Int)
    /// The body is not a valid encoding of the schema.
    case malformed(schema: String, detail: String)

    /// One line, for the dead letter's reason.
    package var description: String {
        switch self {
        case .wrongSchema(let expected, let found): "expected schema \(expected), found \(found)"
        case .unsupportedVersion(let schema, let version, let supported):
            "\(schema) version \(version) is not supported (this build reads version \(supported))"
        case .malformed(let schema, let detail): "malformed \(schema) payload: \(detail)"
        }
    }
}

extension WireMessage {
    /// Version 1 unless the type says otherwise.
    package static var version: Int { 1 }

    /// The tag naming the payload's schema and version: `price-batch/1`.
    package static var schemaTag: String { "\(schema)/\(version)" }

    /// The payload as JSON (non-finite numbers as strings, so a bad tick survives the trip to the validator).
    package func encoded() throws -> Data { try jsonEncoded() }

    /// The JSON encoding: `{"version": 1, "body": {...}}`.
    package func jsonEncoded() throws -> Data {
        try WireCoding.encoder.encode(Versioned(version: Self.version, body: self))
    }

    /// Decodes a JSON payload, checking schema and version.
    package static func decoded(from data: Data, schemaTag: String?) throws -> Self {
        try jsonDecoded(from: data, schemaTag: schemaTag)
    }

    /// Decodes a payload that came without a schema tag.
    package static func decoded(from data: Data) throws -> Self {
        try decoded(from: data, schemaTag: nil)
    }

    /// Throws unless the schema tag (when there is one) names this schema.
    package static func checkSchema(tag: String?) throws {
        guard let tag, tag != schemaTag else { return }
        let name = tag.split(separator: "/").first.map(String.init) ?? tag
        if name != schema { throw ContractError.wrongSchema(expected: schema, found: tag) }
    }

    /// Decodes the JSON encoding of `version` (by default the one this code writes).
    package static func jsonDecoded(from data: Data, schemaTag: String?, version expected: Int = version) throws -> Self
    {
        try checkSchema(tag: schemaTag)
        let version: Int
        do {
            version = try WireCoding.decoder.decode(VersionOnly.self, from: data).version
        } catch {
            throw ContractError.malformed(schema: schema, detail: WireCoding.describe(error))
        }
        guard version == expected else {
            throw ContractError.unsupportedVersion(schema: schema, version: version, supported: expected)
        }
        do {
            return try WireCoding.decoder.decode(Versioned<Self>.self, from: data).body
        } catch {
            throw ContractError.malformed(schema: schema, detail: WireCoding.describe(error))
        }
    }
}

/// The body on the wire: `{"version": 1, "body": {...}}`.
private struct Versioned<Body: Codable>: Codable {
    var version: Int
    var body: Body
}

private struct VersionOnly: Decodable {
    var version: Int
}

/// The JSON coders every payload shares, configured once.
package enum WireCoding {
    /// Encoder: sorted keys (so equal content gives equal bytes and equal message ids), non-finite as strings.
    package static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan"
        )
        return encoder
    }()

    /// Decoder matching ``encoder``.
    package static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan"
        )
        return decoder
    }()

    /// Foundation's defaults, for JSON this project reads but does not write: vendor answers, NATS advisories, the
    /// API's request bodies.
    package static let standardDecoder = JSONDecoder()

    /// A decoding error in one line, with the path to the bad field.
    package static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? "" : " at \(path)"
        }
        switch error {
        case .dataCorrupted(let context): return "data corrupted\(path(context)): \(context.debugDescription)"
        case .keyNotFound(let key, let context): return "missing field \(key.stringValue)\(path(context))"
        case .typeMismatch(let type, let context): return "expected \(type)\(path(context))"
        case .valueNotFound(let type, let context): return "missing \(type) value\(path(context))"
        @unknown default: return "\(error)"
        }
    }
}
