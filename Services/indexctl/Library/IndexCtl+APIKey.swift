import ArgumentParser
import Foundation
import ServiceSupport

extension IndexCtl {
    /// `indexctl apikey create --name NAME`: API keys for the REST API's POST endpoints.
    struct APIKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "apikey",
            abstract: "Manage the API keys of the REST API.",
            subcommands: [Create.self, List.self]
        )

        /// Makes a key, stores its hash, prints it once.
        struct Create: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Make a new API key: its SHA-256 goes into API_KEYS_FILE, the key itself is printed as the "
                    + "last line of output and kept nowhere."
            )

            @Option(help: "Who or what the key is for (letters, digits, - _ . @).")
            var name: String

            @Option(name: .customLong("keys-file"), help: "The key file (API_KEYS_FILE; default DATA_DIR/api-keys).")
            var keysFile: String?

            func run() throws {
                let path = try keysFile ?? APIKeyFile.path(ServiceConfiguration())
                do {
                    let key = try APIKeyFile.create(name: name, path: path)
                    print("created API key '\(name)' in \(path); it is shown only now:")
                    print(key)
                } catch let error as APIKeyFileError {
                    FileHandle.standardError.write(Data("indexctl apikey create: \(error)\n".utf8))
                    throw ExitCode(1)
                }
            }
        }

        /// Lists key names (never keys: only their hashes are stored).
        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the names of the stored API keys.")

            @Option(name: .customLong("keys-file"), help: "The key file (API_KEYS_FILE; default DATA_DIR/api-keys).")
            var keysFile: String?

            func run() throws {
                let path = try keysFile ?? APIKeyFile.path(ServiceConfiguration())
                do {
                    for entry in try APIKeyStore.read(path) { print(entry.name) }
                } catch let error as APIKeyFileError {
                    FileHandle.standardError.write(Data("indexctl apikey list: \(error)\n".utf8))
                    throw ExitCode(1)
                }
            }
        }
    }
}
