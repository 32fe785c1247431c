import Foundation
import ServiceSupport
import StorageDatabase

/// Storage's own settings, read once at start-up from the service's environment.
package struct StorageSettings: Sendable, Equatable {
    /// The SQLite database: `index.sqlite` under `DATA_DIR`.
    package var databasePath: String
    /// `SQLITE_SYNCHRONOUS`: `full` (the default: a committed write survives a power loss) or `normal` (faster;
    /// survives a process crash, may lose the last commits on a power loss).
    package var synchronous: SynchronousMode

    /// Reads the settings; an invalid value is an error naming the variable.
    package init(_ configuration: ServiceConfiguration) throws {
        databasePath = (configuration.dataDirectory as NSString).appendingPathComponent("index.sqlite")
        switch configuration.environment["SQLITE_SYNCHRONOUS"]?.trimmingCharacters(in: .whitespaces).lowercased() {
        case nil, "", "full": synchronous = .full
        case "normal": synchronous = .normal
        case let other?:
            throw ConfigurationError.invalid(name: "SQLITE_SYNCHRONOUS", value: other, expected: "full or normal")
        }
    }
}
