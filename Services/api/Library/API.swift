import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Pipeline
import Resilience
import ServiceLifecycle
import ServiceSupport
import TradingCalendar

/// The `api` service: REST over the stored index, build jobs and exports, on `API_HOST:API_PORT`.
package enum API: PipelineService {
    package static let abstract = "The REST API over the stored index."
    package static let name = "api"

    /// `/health`, `/ready` and `/metrics` are served on the API's own address.
    package static func httpAddress(_ configuration: ServiceConfiguration) -> (host: String, port: Int)? {
        (configuration.apiHost, configuration.apiPort)
    }

    /// Storage must answer for the API to be ready.
    package static func readinessChecks(_ runtime: ServiceRuntime) -> [ReadinessCheck] {
        let probe = NATSStorageClient(
            connection: runtime.pipeline.connection, logger: runtime.logger, timeout: .seconds(1), attempts: 1,
            name: "storage-readiness"
        )
        let reader = StorageIndexReader(storage: probe)
        return [ReadinessCheck(name: "storage") { await reader.isReachable() }]
    }

    /// The REST server and, beside it, the listener that empties the cache when answers go stale.
    package static func httpEndpoint(_ runtime: ServiceRuntime, _ endpoint: HTTPEndpoint) async throws -> any Service {
        let configuration = runtime.configuration
        let pipeline = runtime.pipeline
        // Two attempts: an uncached answer should fail fast (503) rather than hang on a storage that is down.
        let storage = NATSStorageClient(connection: pipeline.connection, logger: runtime.logger, attempts: 2)
        // Readiness has its own client with a short timeout (above); this reader answers the routes.
        let reader = StorageIndexReader(storage: storage)
        let cache = ResponseCache(capacityBytes: configuration.apiCacheBytes)
        try pipeline.watchDeadLetters()
        let jobs = JobRunner(
            reader: reader, publisher: pipeline, follower: pipeline.follower(pollInterval: .milliseconds(500)),
            store: PipelineJobStore(pipeline: pipeline), logger: runtime.logger
        )
        let dependencies = APIDependencies(
            reader: reader, cache: cache, jobs: jobs,
            keys: try APIKeyStore(path: APIKeyFile.path(configuration)),
            limiter: RateLimiter(limits: APIDependencies.limits(configuration)),
            endpoint: endpoint, corsOrigins: configuration.apiCORSOrigins, readAuth: configuration.apiReadAuth,
            jwt: try await JWTVerifier.load(configuration),
            events: EventStreams(
                log: pipeline,
                settings: .init(
                    heartbeat: .seconds(configuration.apiEventsHeartbeat),
                    maxStreams: configuration.apiEventsMaxStreams)),
            traced: Observability.isTracing
        )
        return APIServer(
            application: makeApplication(dependencies, logger: runtime.logger),
            invalidator: CacheInvalidator(
                staleness: try pipeline.staleness(), cache: cache, directory: dependencies.directory, jobs: jobs
            ),
            events: dependencies.events
        )
    }

    /// The HTTP server: the router over HTTP/1.1.
    package static func makeApplication(_ dependencies: APIDependencies, logger: Logger) -> some ApplicationProtocol {
        let endpoint = dependencies.endpoint
        return Application(
            router: APIRouter.build(dependencies),
            configuration: endpoint.serverConfiguration,
            onServerRunning: { endpoint.running($0.localAddress?.port) },
            logger: logger
        )
    }

    /// Nothing beyond the HTTP endpoint.
    package static func parts(_ runtime: ServiceRuntime) async throws -> [any Service] { [] }
}

/// What the API's routes are built from.
package struct APIDependencies: Sendable {
    /// The stored index.
    package var reader: any IndexReader
    /// Cached answers.
    package var cache: ResponseCache
    /// The index ids served.
    package var directory: IndexDirectory
    /// Build jobs.
    package var jobs: JobRunner
    /// Accepted API keys.
    package var keys: APIKeyStore
    /// Rate limits.
    package var limiter: RateLimiter
    /// Health, readiness and metrics.
    package var endpoint: HTTPEndpoint
    /// Date rules (today in New York unless a test fixes it).
    package var today: @Sendable () -> SessionDate
    /// The origins allowed cross-origin access (`API_CORS_ORIGINS`); empty: CORS is off.
    package var corsOrigins: [String]
    /// Whether every GET needs `index:read` (`API_READ_AUTH`).
    package var readAuth: Bool
    /// Bearer JWTs (`JWT_JWKS_FILE`, `JWT_HS256_SECRET_FILE`); nil: API keys only.
    package var jwt: JWTVerifier?
    /// The `GET /events` streams.
    package var events: EventStreams
    /// Whether each request is a span (tracing is on): off, the router has no tracing middleware at all.
    package var traced: Bool

    /// Dependencies.
    package init(
        reader: any IndexReader, cache: ResponseCache, jobs: JobRunner, keys: APIKeyStore, limiter: RateLimiter,
        endpoint: HTTPEndpoint, today: @escaping @Sendable () -> SessionDate = DateRules.newYorkToday,
        corsOrigins: [String] = [], readAuth: Bool = false, jwt: JWTVerifier? = nil, events: EventStreams,
        traced: Bool = false
    ) {
        self.traced = traced
        self.events = events
        self.jwt = jwt
        self.readAuth = readAuth
        self.corsOrigins = corsOrigins
        self.reader = reader
        self.directory = IndexDirectory(reader: reader)
        self.cache = cache
        self.jobs = jobs
        self.keys = keys
        self.limiter = limiter
        self.endpoint = endpoint
        self.today = today
    }

    /// The rate limits of a configuration; nil when `API_RATE_LIMIT` is 0.
    package static func limits(_ configuration: ServiceConfiguration) -> TokenBucket.Limits? {
        guard configuration.apiRateLimit > 0 else { return nil }
        return TokenBucket.Limits(
            capacity: Double(configuration.apiRateBurst), refillPerSecond: configuration.apiRateLimit
        )
    }
}

/// The router of the API: a span per request when tracing is on, security headers and CORS, errors as JSON,
/// per-route metrics, keys and rate limits, then the routes.
package enum APIRouter {
    /// The longest range a query may span: the calendar's whole coverage.
    package static let maximumRangeDays = 366 * 31

    /// Builds the router.
    package static func build(_ dependencies: APIDependencies) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        // Outermost of all: the request's span covers every other middleware, and storage's spans descend from it.
        if dependencies.traced { router.middlewares.add(TracingMiddleware()) }
        // Outermost, so that error answers carry the headers too; CORS before keys, so a preflight needs none.
        router.middlewares.add(SecurityHeadersMiddleware())
        router.middlewares.add(ListedOriginsCORSMiddleware(origins: dependencies.corsOrigins))
        router.middlewares.add(ErrorMiddleware())
        router.middlewares.add(MetricsMiddleware())
        router.middlewares.add(
            AccessMiddleware(
                keys: dependencies.keys, limiter: dependencies.limiter, readAuth: dependencies.readAuth,
                jwt: dependencies.jwt))
        let rules = DateRules(today: dependencies.today, maximumRangeDays: maximumRangeDays)
        let directory = dependencies.directory
        IndexRoutes(reader: dependencies.reader, directory: directory, cache: dependencies.cache, rules: rules)
            .register(on: router)
        JobRoutes(jobs: dependencies.jobs, directory: directory, rules: rules).register(on: router)
        ExportRoutes(reader: dependencies.reader, directory: directory, rules: rules).register(on: router)
        DefinitionRoutes(reader: dependencies.reader, directory: directory, jobs: dependencies.jobs)
            .register(on: router)
        EventRoutes(streams: dependencies.events).register(on: router)
        DashboardRoutes().register(on: router)
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json))
            )
        }
        let endpoint = dependencies.endpoint
        router.addHealthRoutes(service: endpoint.service, startedAt: endpoint.startedAt, checks: endpoint.checks)
        return router
    }
}

/// The HTTP server and the cache invalidator, run and stopped together; at shutdown the event streams end first.
package struct APIServer: Service {
    let application: any Service
    let invalidator: CacheInvalidator
    let events: EventStreams

    /// The server, the invalidator and the event streams of `application`.
    package init(application: any Service, invalidator: CacheInvalidator, events: EventStreams) {
        self.application = application
        self.invalidator = invalidator
        self.events = events
    }

    package func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await application.run() }
            group.addTask {
                try await invalidator.run()
                // The invalidator ends at graceful shutdown: end every event stream cleanly (its last comment and
                // the end of its answer) before the server is stopped with the group.
                await events.shutdown()
            }
            // Either ending ends both: the server stops on graceful shutdown, the invalidator with it.
            try await group.next()
            group.cancelAll()
            try await group.waitForAll()
        }
    }
}
