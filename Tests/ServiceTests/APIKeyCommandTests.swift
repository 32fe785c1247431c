import Foundation
import ServiceSupport
import TestSupport
import Testing

@Suite("indexctl apikey")
struct APIKeyCommandTests {
    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try builtExecutable("indexctl")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("create prints the new key as its last line, stores only its hash, and refuses a taken name")
    func create() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)").path
        let created = try run(["apikey", "create", "--name", "ops-team", "--keys-file", path])
        #expect(created.status == 0)
        let key = try #require(created.output.split(separator: "\n").last.map(String.init))
        #expect(try APIKeyStore(path: path).name(of: key) == "ops-team")
        #expect(try !String(contentsOfFile: path, encoding: .utf8).contains(key))
        let listed = try run(["apikey", "list", "--keys-file", path])
        #expect(listed.output == "ops-team\tindex:read,index:build,index:export,index:admin\n")
        let again = try run(["apikey", "create", "--name", "ops-team", "--keys-file", path])
        #expect(again.status == 1)
        #expect(try APIKeyStore.read(path).count == 1)
    }

    @Test("--scope limits a key; list shows each key's scopes; revoke removes one; unknown scopes and names fail")
    func scopesAndRevoke() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)").path
        let reader = try run(["apikey", "create", "--name", "reader", "--scope", "index:read", "--keys-file", path])
        #expect(reader.status == 0)
        let builder = try run([
            "apikey", "create", "--name", "builder", "--scope", "index:build", "--scope", "index:read",
            "--keys-file", path,
        ])
        #expect(builder.status == 0)
        let readerKey = try #require(reader.output.split(separator: "\n").last.map(String.init))
        #expect(try APIKeyStore(path: path).entry(of: readerKey)?.scopes == [.read])
        #expect(
            try run(["apikey", "list", "--keys-file", path]).output
                == "reader\tindex:read\nbuilder\tindex:read,index:build\n")
        #expect(
            try run(["apikey", "create", "--name", "x", "--scope", "index:write", "--keys-file", path]).status != 0)

        #expect(try run(["apikey", "revoke", "--name", "reader", "--keys-file", path]).status == 0)
        #expect(try APIKeyStore(path: path).entry(of: readerKey) == nil)
        #expect(try run(["apikey", "list", "--keys-file", path]).output == "builder\tindex:read,index:build\n")
        #expect(try run(["apikey", "revoke", "--name", "reader", "--keys-file", path]).status == 1)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test("a key line without scopes (made before scopes) has all four; an unknown scope makes the line malformed")
    func keyFileScopes() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)").path
        let digest = String(repeating: "ab", count: 32)
        try "old sha256:\(digest) 2026-11-01T00:00:00Z\nnew sha256:\(digest) 2026-12-01T00:00:00Z scopes=index:export\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let entries = try APIKeyStore.read(path)
        #expect(entries.map(\.scopes) == [Set(Scope.allCases), [.export]])
        try "bad sha256:\(digest) 2026-12-01T00:00:00Z scopes=index:read,index:all\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: APIKeyFileError.malformed(path: path, line: 1)) { try APIKeyStore.read(path) }
    }
}
