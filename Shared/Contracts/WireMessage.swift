import Foundation
import NATSClient

/// A versioned message payload: the schema name and version travel in the `Schema` header and in the body.
package protocol WireMessage: Codable, Sendable {
    /// The schema name, such as `price-batch`.
    static var schema: String { get }
    /// The schema version this code writes and reads.
    static var version: Int { get }
    /// The payload bytes (JSON unless the type has a compact encoding).
    func encoded() throws -> Data
    /// Decodes a payload, checking schema and version.
    static func decoded(from data: Data, headers: [String: String]) throws -> Self
}

/// Why a payload could not be decoded. Always a ``PermanentFailure`` for the consumer: it is dead-lettered.
package enum ContractError: Error, CustomStringConvertible {
    /// The `Schema` header names another schema.
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

/// The header that names a payload's schema and version: `price-batch/1`.
package let schemaHeader = "Schema"

extension WireMessage {
    /// The `Schema` header value of this type.
    package static var schemaTag: String { "\(schema)/\(version)" }

    /// The payload as JSON (non-finite numbers as strings, so a bad tick survives the trip to the validator).
    package func encoded() throws -> Data { try jsonEncoded() }

    /// The JSON encoding: `{"version": 1, "body": {...}}`.
    package func jsonEncoded() throws -> Data {
        try WireCoding.encoder.encode(Versioned(version: Self.version, body: self))
    }

    /// Headers to publish the payload with.
    package var headers: [String: String] { [schemaHeader: Self.schemaTag] }

    /// Decodes a JSON payload, checking schema and version.
    package static func decoded(from data: Data, headers: [String: String]) throws -> Self {
        try jsonDecoded(from: data, headers: headers)
    }

    /// Decodes a payload without headers.
    package static func decoded(from data: Data) throws -> Self {
        try decoded(from: data, headers: [:])
    }

    /// Throws unless the `Schema` header (when present) names this schema.
    package static func checkSchemaHeader(_ headers: [String: String]) throws {
        if let tag = headers[schemaHeader], tag != schemaTag {
            let name = tag.split(separator: "/").first.map(String.init) ?? tag
            if name != schema { throw ContractError.wrongSchema(expected: schema, found: tag) }
        }
    }

    /// Decodes the JSON encoding.
    package static func jsonDecoded(from data: Data, headers: [String: String]) throws -> Self {
        try checkSchemaHeader(headers)
        let version: Int
        do {
            version = try WireCoding.decoder.decode(VersionOnly.self, from: data).version
        } catch {
            throw ContractError.malformed(schema: schema, detail: WireCoding.describe(error))
        }
        guard version == Self.version else {
            throw ContractError.unsupportedVersion(schema: schema, version: version, supported: Self.version)
        }
        do {
            return try WireCoding.decoder.decode(Versioned<Self>.self, from: data).body
        } catch {
            throw ContractError.malformed(schema: schema, detail: WireCoding.describe(error))
        }
    }

    /// Decodes a pipeline message; a failure is a ``PermanentFailure`` so the consumer dead-letters it.
    package static func decoded(from message: JetStreamMessage) throws -> Self {
        do {
            return try decoded(from: message.data, headers: message.headers)
        } catch {
            throw PermanentFailure("\(error)")
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

/// The JSON coders every payload shares.
package enum WireCoding {
    /// Encoder: sorted keys (so equal content gives equal bytes and equal message ids), non-finite as strings.
    package static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan"
        )
        return encoder
    }

    /// Decoder matching ``encoder``.
    package static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan"
        )
        return decoder
    }

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
