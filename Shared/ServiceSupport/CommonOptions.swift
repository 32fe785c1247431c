import ArgumentParser
import Foundation

/// The flags every service takes; each overrides the environment variable of the same meaning.
package struct CommonOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("nats-url"), help: "NATS server URL(s), comma-separated (NATS_URL).")
    package var natsURL: String?

    @Option(
        name: .customLong("nats-replicas"),
        help: "Servers of a NATS cluster that keep each stream, 1 to 5 (NATS_REPLICAS).")
    package var natsReplicas: Int?

    @Option(name: .customLong("data-dir"), help: "Data directory (DATA_DIR).")
    package var dataDirectory: String?

    @Option(name: .customLong("health-port"), help: "Port of /health, /ready and /metrics; 0 picks one (HEALTH_PORT).")
    package var healthPort: Int?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical (LOG_LEVEL).")
    package var logLevel: String?

    @Option(name: .customLong("log-format"), help: "text or json (LOG_FORMAT).")
    package var logFormat: String?

    @Option(name: .customLong("index-size"), help: "Constituents of the index (INDEX_SIZE).")
    package var indexSize: Int?

    @Option(name: .customLong("api-host"), help: "api: address the REST API binds (API_HOST).")
    package var apiHost: String?

    @Option(name: .customLong("api-port"), help: "api: port of the REST API (API_PORT).")
    package var apiPort: Int?

    @Option(name: .customLong("api-keys-file"), help: "api: file of hashed API keys (API_KEYS_FILE).")
    package var apiKeysFile: String?

    @Option(name: .customLong("jwt-jwks-file"), help: "api: JWKS file (RS256/ES256) for bearer JWTs (JWT_JWKS_FILE).")
    package var jwtJWKSFile: String?

    @Option(
        name: .customLong("jwt-hs256-secret-file"),
        help: "api: file holding the HS256 secret for bearer JWTs (JWT_HS256_SECRET_FILE).")
    package var jwtHS256SecretFile: String?

    @Option(name: .customLong("jwt-issuer"), help: "api: the iss every JWT must carry (JWT_ISSUER).")
    package var jwtIssuer: String?

    @Option(name: .customLong("jwt-audience"), help: "api: a value the aud of every JWT must hold (JWT_AUDIENCE).")
    package var jwtAudience: String?

    @Option(
        name: .customLong("api-rate-limit"),
        help: "api: requests per second per client; 0 turns limits off (API_RATE_LIMIT).")
    package var apiRateLimit: Double?

    @Option(name: .customLong("api-rate-burst"), help: "api: requests a client may burst (API_RATE_BURST).")
    package var apiRateBurst: Int?
    @Option(
        name: .customLong("api-cors-origins"),
        help: "api: origins whose pages may call the API, comma-separated (API_CORS_ORIGINS; default: none).")
    package var apiCORSOrigins: String?

    @Option(
        name: .customLong("api-cache-bytes"),
        help: "api: bytes of cached answers; 0 turns the cache off (API_CACHE_BYTES).")
    package var apiCacheBytes: Int?

    @Option(
        name: .customLong("api-read-auth"),
        help: "api: every GET needs a credential with index:read, true or false (API_READ_AUTH; default false).")
    package var apiReadAuth: Bool?

    @Option(
        name: .customLong("schedule-enabled"),
        help: "fetcher: fetch each session after the close, true or false (SCHEDULE_ENABLED)."
    )
    package var scheduleEnabled: Bool?

    @Option(name: .customLong("schedule-time"), help: "fetcher: HH:MM America/New_York, 16:00-23:59 (SCHEDULE_TIME).")
    package var scheduleTime: String?

    @Option(
        name: .customLong("schedule-catchup-limit"),
        help: "fetcher: most missing sessions fetched unasked (SCHEDULE_CATCHUP_LIMIT)."
    )
    package var scheduleCatchUpLimit: Int?

    /// Empty options (all from the environment).
    package init() {}

    /// The environment with these flags applied on top, read as a configuration.
    package func configuration(
        service: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ServiceConfiguration {
        var environment = environment
        environment["NATS_URL"] = natsURL ?? environment["NATS_URL"]
        environment["NATS_REPLICAS"] = natsReplicas.map(String.init) ?? environment["NATS_REPLICAS"]
        environment["DATA_DIR"] = dataDirectory ?? environment["DATA_DIR"]
        environment["HEALTH_PORT"] = healthPort.map(String.init) ?? environment["HEALTH_PORT"]
        environment["LOG_LEVEL"] = logLevel ?? environment["LOG_LEVEL"]
        environment["LOG_FORMAT"] = logFormat ?? environment["LOG_FORMAT"]
        environment["INDEX_SIZE"] = indexSize.map(String.init) ?? environment["INDEX_SIZE"]
        environment["API_HOST"] = apiHost ?? environment["API_HOST"]
        environment["API_PORT"] = apiPort.map(String.init) ?? environment["API_PORT"]
        environment["API_KEYS_FILE"] = apiKeysFile ?? environment["API_KEYS_FILE"]
        environment["JWT_JWKS_FILE"] = jwtJWKSFile ?? environment["JWT_JWKS_FILE"]
        environment["JWT_HS256_SECRET_FILE"] = jwtHS256SecretFile ?? environment["JWT_HS256_SECRET_FILE"]
        environment["JWT_ISSUER"] = jwtIssuer ?? environment["JWT_ISSUER"]
        environment["JWT_AUDIENCE"] = jwtAudience ?? environment["JWT_AUDIENCE"]
        environment["API_RATE_LIMIT"] = apiRateLimit.map { String($0) } ?? environment["API_RATE_LIMIT"]
        environment["API_RATE_BURST"] = apiRateBurst.map(String.init) ?? environment["API_RATE_BURST"]
        environment["API_CORS_ORIGINS"] = apiCORSOrigins ?? environment["API_CORS_ORIGINS"]
        environment["API_CACHE_BYTES"] = apiCacheBytes.map(String.init) ?? environment["API_CACHE_BYTES"]
        environment["SCHEDULE_ENABLED"] = scheduleEnabled.map(String.init) ?? environment["SCHEDULE_ENABLED"]
        environment["API_READ_AUTH"] = apiReadAuth.map(String.init) ?? environment["API_READ_AUTH"]
        environment["SCHEDULE_TIME"] = scheduleTime ?? environment["SCHEDULE_TIME"]
        environment["SCHEDULE_CATCHUP_LIMIT"] =
            scheduleCatchUpLimit.map(String.init) ?? environment["SCHEDULE_CATCHUP_LIMIT"]
        return try ServiceConfiguration(environment: environment, service: service)
    }
}
