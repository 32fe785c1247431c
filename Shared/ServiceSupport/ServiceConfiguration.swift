import Foundation
import Logging

/// The configuration every process reads: environment variables with the defaults of the embedded local setup.
///
/// Command-line flags of the same meaning (see ``CommonOptions``) override the environment.
package struct ServiceConfiguration: Sendable, Equatable {
    /// `DATA_DIR`: SQLite database, JetStream store, run files.
    package var dataDirectory: String
    /// `NATS_URL`: comma-separated server URLs.
    package var natsURL: String
    /// `NATS_REPLICAS`: the servers of a NATS cluster that keep each stream (1 to 5; 3 in a three-node cluster).
    package var natsReplicas: Int
    /// `API_HOST`.
    package var apiHost: String
    /// `API_PORT`.
    package var apiPort: Int
    /// `HEALTH_PORT`: where a pipeline service answers /health, /ready and /metrics; 0 picks a free port.
    package var healthPort: Int
    /// `HEALTH_HOST`: the address the health endpoint binds.
    package var healthHost: String
    /// `INDEX_SIZE`: N of the top-N index.
    package var indexSize: Int
    /// `PROVIDER`: the fetcher's data source (the vendors' own settings are the fetcher's `VendorSettings`).
    package var provider: String
    /// `API_KEYS_FILE`: hashed API keys.
    package var apiKeysFile: String?
    /// `JWT_JWKS_FILE`: a JSON Web Key Set (RS256 and ES256 keys) that bearer JWTs are verified against.
    package var jwtJWKSFile: String?
    /// `JWT_HS256_SECRET_FILE`: a file whose content, trimmed of surrounding white space, is the HS256 secret.
    package var jwtHS256SecretFile: String?
    /// `JWT_ISSUER`: the `iss` every JWT must carry (unset: not checked).
    package var jwtIssuer: String?
    /// `JWT_AUDIENCE`: a value the `aud` of every JWT must hold (unset: not checked).
    package var jwtAudience: String?
    /// `API_RATE_LIMIT`: requests per second each API client (key or address) may make; 0 turns limits off.
    package var apiRateLimit: Double
    /// `API_RATE_BURST`: requests an API client may make at once.
    package var apiRateBurst: Int
    /// `API_CACHE_BYTES`: bytes of answers the API keeps cached; 0 turns the cache off.
    package var apiCacheBytes: Int
    /// `API_READ_AUTH`: whether every GET needs a credential with the `index:read` scope (default: reading is open).
    package var apiReadAuth: Bool
    /// `API_CORS_ORIGINS`: the origins (`scheme://host[:port]`, comma-separated) whose pages may call the API from a
    /// browser; empty: CORS is off.
    package var apiCORSOrigins: [String]
    /// `LOG_LEVEL`.
    package var logLevel: Logger.Level
    /// `LOG_FORMAT`: text or json.
    package var logFormat: LogFormat
    /// `SCHEDULE_ENABLED`: whether the fetcher fetches each session after the close and catches up at start-up.
    package var scheduleEnabled: Bool
    /// `SCHEDULE_TIME`: when (America/New_York, 16:00-23:59) the fetcher fetches the day's session.
    package var scheduleTime: TimeOfDay
    /// `SCHEDULE_CATCHUP_LIMIT`: the most missing sessions the scheduler fetches by itself; more needs a back-fill.
    package var scheduleCatchUpLimit: Int
    /// The environment this was read from: a service's own settings (storage's, the providers') are read from it
    /// too, in that service's one configuration type.
    package var environment: [String: String]

    /// Reads the configuration from an environment; an invalid value is an error naming the variable.
    package init(environment: [String: String] = ProcessInfo.processInfo.environment, service: String = "") throws {
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
            guard let raw = value(name) else { return fallback }
            guard let parsed = Int(raw), range.contains(parsed) else {
                throw ConfigurationError.invalid(name: name, value: raw, expected: "an integer in \(range)")
            }
            return parsed
        }
        dataDirectory = value("DATA_DIR") ?? "./.data"
        natsURL = value("NATS_URL") ?? "nats://127.0.0.1:4222"
        natsReplicas = try integer("NATS_REPLICAS", default: 1, range: 1...5)
        apiHost = value("API_HOST") ?? "127.0.0.1"
        apiPort = try integer("API_PORT", default: 8080, range: 0...65535)
        healthPort = try integer("HEALTH_PORT", default: Self.defaultHealthPort(for: service), range: 0...65535)
        healthHost = value("HEALTH_HOST") ?? "127.0.0.1"
        indexSize = try integer("INDEX_SIZE", default: 100, range: 1...10_000)
        provider = value("PROVIDER") ?? "sim"
        apiKeysFile = value("API_KEYS_FILE")
        jwtJWKSFile = value("JWT_JWKS_FILE")
        jwtHS256SecretFile = value("JWT_HS256_SECRET_FILE")
        jwtIssuer = value("JWT_ISSUER")
        jwtAudience = value("JWT_AUDIENCE")
        if let raw = value("API_RATE_LIMIT") {
            guard let rate = Double(raw), rate.isFinite, rate >= 0 else {
                throw ConfigurationError.invalid(name: "API_RATE_LIMIT", value: raw, expected: "a number >= 0")
            }
            apiRateLimit = rate
        } else {
            apiRateLimit = 50
        }
        apiRateBurst = try integer("API_RATE_BURST", default: 100, range: 1...1_000_000_000)
        apiCacheBytes = try integer("API_CACHE_BYTES", default: 64 << 20, range: 0...(1 << 40))
        apiCORSOrigins = try Self.origins(value("API_CORS_ORIGINS") ?? "")
        if let raw = value("LOG_LEVEL") {
            guard let level = Logger.Level(rawValue: raw.lowercased()) else {
                throw ConfigurationError.invalid(
                    name: "LOG_LEVEL", value: raw,
                    expected: Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
                )
            }
            logLevel = level
        } else {
            logLevel = .info
        }
        if let raw = value("LOG_FORMAT") {
            guard let format = LogFormat(rawValue: raw.lowercased()) else {
                throw ConfigurationError.invalid(name: "LOG_FORMAT", value: raw, expected: "text or json")
            }
            logFormat = format
        } else {
            logFormat = .text
        }
        func flag(_ name: String, default fallback: Bool) throws -> Bool {
            guard let raw = value(name) else { return fallback }
            switch raw.lowercased() {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default: throw ConfigurationError.invalid(name: name, value: raw, expected: "true or false")
            }
        }
        scheduleEnabled = try flag("SCHEDULE_ENABLED", default: true)
        apiReadAuth = try flag("API_READ_AUTH", default: false)
        if let raw = value("SCHEDULE_TIME") {
            // After the 16:00 close and before midnight, so the time names the evening of the session it fetches.
            guard let time = TimeOfDay(raw), time >= Self.earliestScheduleTime else {
                throw ConfigurationError.invalid(
                    name: "SCHEDULE_TIME", value: raw, expected: "HH:MM from 16:00 to 23:59 (America/New_York)"
                )
            }
            scheduleTime = time
        } else {
            scheduleTime = Self.defaultScheduleTime
        }
        scheduleCatchUpLimit = try integer("SCHEDULE_CATCHUP_LIMIT", default: 20, range: 1...100_000)
        self.environment = environment
    }

    /// The NYSE close: the earliest `SCHEDULE_TIME`.
    package static let earliestScheduleTime = TimeOfDay(hour: 16, minute: 0)!
    /// The default `SCHEDULE_TIME`: two hours after the close, when vendors have the day's data.
    package static let defaultScheduleTime = TimeOfDay(hour: 18, minute: 0)!

    /// The origins of a comma-separated `API_CORS_ORIGINS`: each `http` or `https`, a host, an optional port, and
    /// nothing else (a browser's `Origin` header is compared with them exactly).
    package static func origins(_ raw: String) throws -> [String] {
        let listed = raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for origin in listed {
            let parts = origin.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
            let authority = parts.count == 2 ? parts[1] : ""
            let host = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let valid =
                parts.count == 2 && (parts[0] == "http" || parts[0] == "https") && !host[0].isEmpty
                && !authority.contains { "/?#@ ".contains($0) }
                && (host.count == 1 || (Int(host[1]).map { (1...65535).contains($0) } ?? false))
            guard valid else {
                throw ConfigurationError.invalid(
                    name: "API_CORS_ORIGINS", value: origin,
                    expected: "origins such as https://dashboard.example.com or http://127.0.0.1:3000, comma-separated"
                )
            }
        }
        return listed
    }

    /// The health port a service listens on by default: one fixed port per service, so a stack's are known.
    package static func defaultHealthPort(for service: String) -> Int {
        switch service {
        case "fetcher": 9101
        case "validator": 9102
        case "index-builder": 9103
        case "change-detector": 9104
        case "storage": 9105
        default: 0
        }
    }
}

/// How log lines are written.
package enum LogFormat: String, Sendable, CaseIterable {
    /// One human-readable line per record, with key=value metadata.
    case text
    /// One JSON object per line.
    case json
}

/// A configuration value that cannot be used.
package enum ConfigurationError: Error, CustomStringConvertible {
    /// The variable or flag `name` has a value that is not `expected`.
    case invalid(name: String, value: String, expected: String)

    /// One line for the operator.
    package var description: String {
        switch self {
        case .invalid(let name, let value, let expected): "\(name)=\(value) is invalid: expected \(expected)"
        }
    }
}
