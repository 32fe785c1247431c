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
        #expect(listed.output == "ops-team\n")
        let again = try run(["apikey", "create", "--name", "ops-team", "--keys-file", path])
        #expect(again.status == 1)
        #expect(try APIKeyStore.read(path).count == 1)
    }
}
