import ArgumentParser
import Foundation
import ServiceSupport

extension IndexCtl {
    /// `indexctl apikey create --name NAME`: API keys for the REST API's POST endpoints.
    struct APIKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "apikey",
            abstract: "Manage the API keys of the REST API.",
            subcommands: [Create.self, List.self, Revoke.self]
        )

        /// Makes a key, stores its hash, prints it once.
        struct Create: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Make a new API key: its SHA-256 goes into API_KEYS_FILE, the key itself is printed as the "
                    + "last line of output and kept nowhere."
            )

            @Option(help: "Who or what the key is for (letters, digits, - _ . @).")
            var name: String

            @Option(
                name: .customLong("scope"),
                help: ArgumentHelp(
                    "What the key may do; repeat for several (default: all of them).",
                    valueName: Scope.allCases.map(\.rawValue).joined(separator: "|")))
            var scopes: [String] = []

            @Option(name: .customLong("keys-file"), help: "The key file (API_KEYS_FILE; default DATA_DIR/api-keys).")
            var keysFile: String?

            func validate() throws {
                for scope in scopes where Scope(rawValue: scope) == nil {
                    throw ValidationError(
                        "unknown scope '\(scope)' (one of \(Scope.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
            }

            func run() throws {
                let path = try keysFile ?? APIKeyFile.path(ServiceConfiguration())
                let granted = scopes.isEmpty ? Set(Scope.allCases) : Set(scopes.compactMap(Scope.init(rawValue:)))
                do {
                    let key = try APIKeyFile.create(name: name, scopes: granted, path: path)
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
            static let configuration = CommandConfiguration(
                abstract: "List the stored API keys: name and scopes, one per line.")

            @Option(name: .customLong("keys-file"), help: "The key file (API_KEYS_FILE; default DATA_DIR/api-keys).")
            var keysFile: String?

            func run() throws {
                let path = try keysFile ?? APIKeyFile.path(ServiceConfiguration())
                do {
                    for entry in try APIKeyStore.read(path) {
                        print("\(entry.name)\t\(entry.scopes.sorted().map(\.rawValue).joined(separator: ","))")
                    }
                } catch let error as APIKeyFileError {
                    FileHandle.standardError.write(Data("indexctl apikey list: \(error)\n".utf8))
                    throw ExitCode(1)
                }
            }
        }

        /// Removes a key: from the API's next look at the file (within a second) it is refused.
        struct Revoke: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Revoke an API key by name: the running API refuses it within a second.")

            @Option(help: "The name of the key.")
            var name: String

            @Option(name: .customLong("keys-file"), help: "The key file (API_KEYS_FILE; default DATA_DIR/api-keys).")
            var keysFile: String?

            func run() throws {
                let path = try keysFile ?? APIKeyFile.path(ServiceConfiguration())
                do {
                    try APIKeyFile.revoke(name: name, path: path)
                    print("revoked API key '\(name)' in \(path)")
                } catch let error as APIKeyFileError {
                    FileHandle.standardError.write(Data("indexctl apikey revoke: \(error)\n".utf8))
                    throw ExitCode(1)
                }
            }
        }
    }
}
