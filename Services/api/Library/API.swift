import Contracts
import Foundation
import Hummingbird
import Logging
import NATSClient
import ServiceLifecycle
import ServiceSupport
import TradingCalendar

/// The `api` service: REST over the stored index, on `API_HOST:API_PORT`.
package enum API: PipelineService {
    package static let abstract = "The REST API over the stored index."
    package static let name = "api"

    /// `/health`, `/ready` and `/metrics` are served on the API's own address.
    package static func httpAddress(_ configuration: ServiceConfiguration) -> (host: String, port: Int)? {
        (configuration.apiHost, configuration.apiPort)
    }

    /// The index routes.
    package static func routes(_ router: Router<BasicRequestContext>, _ context: ServiceContext) {
        let handlers = IndexRoutes(
            storage: StorageClient(connection: context.connection, logger: context.logger, attempts: 2),
            logger: context.logger
        )
        handlers.register(on: router)
    }

    /// No background parts.
    package static func parts(_ context: ServiceContext) async throws -> [any Service] { [] }
}

/// `GET /index-performance`, `GET /index-composition`, `GET /composition-changes`.
package struct IndexRoutes: Sendable {
    private let storage: StorageClient
    private let logger: Logger
    /// The index definitions this API knows.
    package static let indexes: Set<String> = [Subjects.defaultIndex]
    /// The longest range a query may span.
    package static let maximumRangeDays = 366 * 31

    /// Routes over `storage`.
    package init(storage: StorageClient, logger: Logger) {
        self.storage = storage
        self.logger = logger
    }

    /// Adds the routes.
    package func register(on router: Router<BasicRequestContext>) {
        router.get("/index-performance") { request, _ in await respond { try await performance(request) } }
        router.get("/index-composition") { request, _ in await respond { try await composition(request) } }
        router.get("/composition-changes") { request, _ in await respond { try await changes(request) } }
    }

    private func respond(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as APIError {
            return error.response
        } catch let error as NATSError {
            if case .remote(_, let message) = error {
                logger.error("storage refused a query", metadata: ["error": "\(message)"])
                return APIError(.internalServerError, code: "storage_error", message: "storage could not answer")
                    .response
            }
            return APIError(.serviceUnavailable, code: "storage_unavailable", message: "storage is not reachable")
                .response
        } catch {
            logger.error("request failed", metadata: ["error": "\(error)"])
            return APIError(.serviceUnavailable, code: "unavailable", message: "\(error)").response
        }
    }

    // MARK: Handlers

    private func performance(_ request: Request) async throws -> Response {
        let parameters = QueryParameters(request)
        let index = try parameters.index()
        let range = try parameters.range()
        let reply = try await storage.ask(PerformanceQuery(index: index, range: range))
        return try json(PerformanceBody(points: reply.points))
    }

    private func composition(_ request: Request) async throws -> Response {
        let parameters = QueryParameters(request)
        let index = try parameters.index()
        let date = try parameters.date("date", default: QueryParameters.today())
        let reply = try await storage.ask(CompositionQuery(index: index, date: date))
        guard let asOf = reply.asOf else {
            throw APIError(.notFound, code: "no_data", message: "no index session is stored on or before \(date)")
        }
        return try json(CompositionBody(date: date, asOf: asOf, constituents: reply.constituents))
    }

    private func changes(_ request: Request) async throws -> Response {
        let parameters = QueryParameters(request)
        let index = try parameters.index()
        let range = try parameters.range()
        let reply = try await storage.ask(ChangesQuery(index: index, range: range))
        return try json(ChangesBody(changes: reply.changes))
    }

    private func json(_ body: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(body)))
        )
    }
}

/// The query string, read strictly.
struct QueryParameters {
    let values: [String: String]

    init(_ request: Request) {
        var values: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { values[String(key)] = String(value) }
        self.values = values
    }

    /// Today in New York, the exchange's time zone.
    static func today() -> SessionDate {
        SessionDate.today(in: TimeZone(identifier: "America/New_York") ?? .gmt)
    }

    func index() throws -> String {
        let index = values["index"] ?? Subjects.defaultIndex
        guard IndexRoutes.indexes.contains(index) else {
            throw APIError(.notFound, code: "unknown_index", message: "no index named '\(index)'")
        }
        return index
    }

    func date(_ name: String, default fallback: SessionDate? = nil) throws -> SessionDate {
        guard let text = values[name] else {
            if let fallback { return fallback }
            throw APIError.invalid("\(name) is required (YYYY-MM-DD)")
        }
        guard let date = SessionDate(text) else {
            throw APIError.invalid("\(name) '\(text)' is not a date in the form YYYY-MM-DD")
        }
        guard date <= Self.today() else { throw APIError.invalid("\(name) \(date) is in the future") }
        return date
    }

    func range() throws -> DateRange {
        let end = try date("end_date", default: Self.today())
        let start = try date("start_date")
        guard start <= end else { throw APIError.invalid("end_date \(end) is before start_date \(start)") }
        guard Int(end.dayNumber - start.dayNumber) <= IndexRoutes.maximumRangeDays else {
            throw APIError.invalid("the range may span at most \(IndexRoutes.maximumRangeDays) days")
        }
        return DateRange(start: start, end: end)
    }
}
