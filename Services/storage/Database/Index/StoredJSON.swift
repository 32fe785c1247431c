import Contracts
import Foundation

/// The JSON columns of `index_levels`: encoded with sorted keys (equal values, equal text), non-finite numbers as
/// the strings `nan`, `inf`, `-inf`, so every value reads back exactly: the configuration of the payloads, so their
/// shared coders.
package enum StoredJSON {
    /// Encodes `value` as UTF-8 JSON text.
    package static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try WireCoding.encoder.encode(value), as: UTF8.self)
    }

    /// Decodes JSON text written by ``encode(_:)``.
    package static func decode<T: Decodable>(_ type: T.Type, from text: String, column: String) throws -> T {
        do {
            return try WireCoding.decoder.decode(type, from: Data(text.utf8))
        } catch {
            throw StoredDataError("unreadable JSON in \(column): \(error)")
        }
    }
}
