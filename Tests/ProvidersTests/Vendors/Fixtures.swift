import Foundation
import TestSupport

/// The sample vendor responses under `Tests/ProvidersTests/Fixtures`, written from the vendors' documentation.
enum Fixtures {
    /// The folder, found from this file's path so no resource bundle is needed.
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// The bytes of fixture `name`; traps when it is missing (a broken test tree).
    static func data(_ name: String) -> Data {
        let url = folder.appendingPathComponent(name)
        guard let data = try? Data(contentsOf: url) else { preconditionFailure("missing fixture \(url.path)") }
        return data
    }
}

extension StubHTTPServer.Reply {
    /// A JSON answer from a fixture file.
    static func fixture(_ name: String, status: Int = 200) -> Self {
        .respond(status: status, headers: ["Content-Type": "application/json"], body: Fixtures.data(name))
    }
}
