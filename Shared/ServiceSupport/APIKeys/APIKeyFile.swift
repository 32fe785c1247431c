import Crypto
import Foundation

/// Making API keys: a random key is generated, its SHA-256 appended to the key file, and the key returned (it is
/// never stored).
package enum APIKeyFile {
    /// The prefix of every key, so a leaked one is recognisable.
    package static let keyPrefix = "ewi_"

    /// Appends a new key named `name`, allowed `scopes`, to the file at `path` (created with mode 0600 when missing)
    /// and returns it.
    package static func create(
        name: String, scopes: Set<Scope> = Set(Scope.allCases), path: String, now: Date = Date()
    ) throws -> String {
        guard !scopes.isEmpty else { throw APIKeyFileError.badName("a key needs at least one scope") }
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
        let granted = scopes.sorted().map(\.rawValue).joined(separator: ",")
        let line = "\(name) sha256:\(digest) \(ISO8601DateFormatter().string(from: now)) scopes=\(granted)\n"

        let manager = FileManager.default
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try manager.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        if !manager.fileExists(atPath: path) {
            let header =
                "# API keys of the index tracker: <name> sha256:<digest> <created> scopes=<scope>,...; "
                + "made by indexctl apikey.\n"
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

    /// Removes the key named `name` from the file at `path` (rewritten whole, mode 0600, comments kept); an error
    /// when there is none.
    package static func revoke(name: String, path: String) throws {
        guard try APIKeyStore.read(path).contains(where: { $0.name == name }) else {
            throw APIKeyFileError.badName("no key named '\(name)' in \(path)")
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let kept = text.split(separator: "\n", omittingEmptySubsequences: false).filter { line in
            line.split(separator: " ", maxSplits: 1).first.map(String.init) != name
                || line.trimmingCharacters(in: .whitespaces).hasPrefix("#")
        }
        let temporary = path + ".revoke-\(ProcessInfo.processInfo.processIdentifier)"
        guard
            FileManager.default.createFile(
                atPath: temporary, contents: Data(kept.joined(separator: "\n").utf8),
                attributes: [.posixPermissions: 0o600])
        else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary]) }
        // A rename replaces the file at once: the API never reads half of it.
        guard rename(temporary, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }

    /// The key file of a configuration: `API_KEYS_FILE`, else `api-keys` under `DATA_DIR`.
    package static func path(_ configuration: ServiceConfiguration) -> String {
        configuration.apiKeysFile ?? (configuration.dataDirectory as NSString).appendingPathComponent("api-keys")
    }
}
