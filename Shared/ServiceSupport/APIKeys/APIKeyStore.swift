import Crypto
import Foundation
import Synchronization

/// The API keys the API accepts, read from `API_KEYS_FILE`.
///
/// The file holds one key per line, `<name> sha256:<hex digest> <created ISO-8601>`; `#` starts a comment. Only
/// digests are stored: a key is shown once, when `indexctl apikey create` makes it. A presented key is hashed and
/// compared with every stored digest in constant time. The file is re-read when it changes, so a new key works
/// without a restart.
package final class APIKeyStore: Sendable {
    /// One stored key.
    package struct Entry: Sendable, Equatable {
        /// The key's name (who it is for).
        package var name: String
        /// SHA-256 of the key.
        package var digest: [UInt8]
        /// What the key may do (a line without `scopes=`, as every key made before scopes existed: all of them).
        package var scopes: Set<Scope> = Set(Scope.allCases)
    }

    private struct Loaded {
        var entries: [Entry]
        var modified: Date?
        var checked: ContinuousClock.Instant
    }

    /// The file path; nil accepts no key at all.
    package let path: String?
    private let loaded: Mutex<Loaded>
    /// How often the file's modification time is looked at.
    private let recheck: Duration

    /// A store over `path`; a missing file is no key yet, an unreadable or malformed one is an error.
    package init(path: String?, recheck: Duration = .seconds(1)) throws {
        self.path = path
        self.recheck = recheck
        let entries = try path.map(Self.read) ?? []
        loaded = Mutex(Loaded(entries: entries, modified: path.flatMap(Self.modified), checked: .now))
    }

    /// The name of the key `presented`, or nil when it is not a stored key.
    package func name(of presented: String) -> String? { entry(of: presented)?.name }

    /// The stored entry of the key `presented` (its name and scopes), or nil when it is not a stored key.
    package func entry(of presented: String) -> Entry? {
        reloadIfChanged()
        let digest = Array(SHA256.hash(data: Data(presented.utf8)))
        let entries = loaded.withLock { $0.entries }
        var match: Entry?
        // Every entry is compared, each in constant time, so timing tells nothing about which bytes matched.
        for entry in entries where Self.constantTimeEqual(entry.digest, digest) {
            match = match ?? entry
        }
        return match
    }

    /// How many keys are stored.
    package var count: Int {
        reloadIfChanged()
        return loaded.withLock { $0.entries.count }
    }

    private func reloadIfChanged() {
        guard let path else { return }
        let now = ContinuousClock.now
        let due = loaded.withLock { state -> Bool in
            guard now - state.checked >= recheck else { return false }
            state.checked = now
            return true
        }
        guard due else { return }
        let modified = Self.modified(path)
        guard modified != loaded.withLock({ $0.modified }) else { return }
        // A file caught half-written stays as it was until the next look.
        guard let entries = try? Self.read(path) else { return }
        loaded.withLock {
            $0.entries = entries
            $0.modified = modified
        }
    }

    /// Compares two digests without an early exit.
    package static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    private static func modified(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    /// The entries of a key file; a missing file has none.
    package static func read(_ path: String) throws -> [Entry] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var entries: [Entry] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, fields[1].hasPrefix("sha256:"),
                let digest = hexBytes(fields[1].dropFirst("sha256:".count)), digest.count == 32
            else {
                throw APIKeyFileError.malformed(path: path, line: number + 1)
            }
            var entry = Entry(name: String(fields[0]), digest: digest)
            if let listed = fields.dropFirst(2).first(where: { $0.hasPrefix("scopes=") }) {
                let names = listed.dropFirst("scopes=".count).split(separator: ",")
                let scopes = names.compactMap { Scope(rawValue: String($0)) }
                guard scopes.count == names.count else { throw APIKeyFileError.malformed(path: path, line: number + 1) }
                entry.scopes = Set(scopes)
            }
            entries.append(entry)
        }
        return entries
    }

    private static func hexBytes(_ text: Substring) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}

/// A key file that cannot be used.
package enum APIKeyFileError: Error, Equatable, CustomStringConvertible {
    /// A line is not `<name> sha256:<64 hex digits> [created] [scopes=<scope>,...]`.
    case malformed(path: String, line: Int)
    /// A name is not a plain token or is taken (or, to revoke, not there).
    case badName(String)

    /// One line for the operator.
    package var description: String {
        switch self {
        case .malformed(let path, let line):
            "\(path):\(line): expected '<name> sha256:<64 hex digits> [created] [scopes=index:read,...]'"
        case .badName(let reason): reason
        }
    }
}

/// What a credential (an API key, a JWT's `scope` claim) allows.
package enum Scope: String, Sendable, CaseIterable, Comparable {
    /// Every GET (needed only with `API_READ_AUTH=true`).
    case read = "index:read"
    /// `POST /build-index`, `DELETE /jobs/{id}`.
    case build = "index:build"
    /// `POST /export-data`.
    case export = "index:export"
    /// `POST /indexes`, `DELETE /indexes/{id}`: the definitions.
    case admin = "index:admin"

    package static func < (lhs: Scope, rhs: Scope) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
