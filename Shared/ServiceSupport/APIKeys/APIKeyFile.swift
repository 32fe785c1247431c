import Crypto
import Foundation

/// Making API keys: a random key is generated, its SHA-256 appended to the key file, and the key returned (it is
/// never stored).
package enum APIKeyFile {
    /// The prefix of every key, so a leaked one is recognisable.
    package static let keyPrefix = "ewi_"

    /// Appends a new key named `name` to the file at `path` (created with mode 0600 when missing) and returns it.
    package static func create(name: String, path: String, now: Date = Date()) throws -> String {
        guard !name.isEmpty, name.count <= 64,
            name.unicodeScalars.allSatisfy({
                CharacterSet.alphanumerics.contains($0) || "-_.@".unicodeScalars.contains($0)
            })
        else {
            throw APIKeyFileError.badName("the name must be 1-64 letters, digits or - _ . @ (got '\(name)')")
        }
        let existing = try APIKeyStore.read(path)
        guard !existing.contains(where: { $0.name == name }) else {
            throw APIKeyFileError.badName("a key named '\(name)' already exists in \(path)")
        }
        var generator = SystemRandomNumberGenerator()
        let random = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let key = keyPrefix + random.map { String(format: "%02x", $0) }.joined()
        let digest = SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
        let line = "\(name) sha256:\(digest) \(ISO8601DateFormatter().string(from: now))\n"

        let manager = FileManager.default
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try manager.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        if !manager.fileExists(atPath: path) {
            let header = "# API keys of the index tracker: <name> sha256:<digest> <created>. Made by indexctl apikey.\n"
            guard manager.createFile(atPath: path, contents: Data(header.utf8), attributes: [.posixPermissions: 0o600])
            else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(line.utf8))
        try handle.synchronize()
        return key
    }

    /// The key file of a configuration: `API_KEYS_FILE`, else `api-keys` under `DATA_DIR`.
    package static func path(_ configuration: ServiceConfiguration) -> String {
        configuration.apiKeysFile ?? (configuration.dataDirectory as NSString).appendingPathComponent("api-keys")
    }
}
