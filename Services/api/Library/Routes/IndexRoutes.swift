import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import Methodology
import TradingCalendar

/// `GET /index-performance`, `GET /index-composition`, `GET /composition-changes`, `GET /corporate-actions`:
/// answered from the cache when it holds the same resolved query, with an ETag so a client's `If-None-Match` gets
/// 304.
struct IndexRoutes: Sendable {
    let reader: any IndexReader
    let directory: IndexDirectory
    let cache: ResponseCache
    let rules: DateRules

    func register(on router: Router<APIRequestContext>) {
        router.get("/index-performance") { request, _ in try await performance(request) }
        router.get("/index-composition") { request, _ in try await composition(request) }
        router.get("/composition-changes") { request, _ in try await changes(request) }
        router.get("/corporate-actions") { request, _ in try await actions(request) }
    }

    private func performance(_ request: Request) async throws -> Response {
        let query = try QueryParameters(
            request, allowed: ["start_date", "end_date", "index", "benchmark", "risk_free_rate"]
        )
        let index = try await directory.resolve(query["index"])
        var benchmark: String?
        if let name = query["benchmark"] { benchmark = try await directory.resolve(name) }
        let riskFreeRate = try Self.riskFreeRate(query["risk_free_rate"])
        let range = try rules.range(start: query["start_date"], end: query["end_date"])
        let key = "performance|\(index)|\(range.start)|\(range.end)|\(benchmark ?? "")|\(riskFreeRate.bitPattern)"
        return try await cached(request, route: "/index-performance", key: key) {
            let points = try await reader.performance(index: index, range: range)
            var compared: BenchmarkAnalytics?
            if let benchmark {
                let theirs = try await reader.performance(index: benchmark, range: range)
                compared = BenchmarkAnalytics(index: benchmark, points: points, benchmark: theirs)
            }
            return PerformanceBody(
                points: points, analytics: RangeAnalytics(points: points, riskFreeRate: riskFreeRate),
                benchmark: compared
            )
        }
    }

    /// `risk_free_rate`: an annual rate as a fraction, from -1 to 1; 0 when absent.
    static func riskFreeRate(_ text: String?) throws -> Double {
        guard let text else { return 0 }
        guard let rate = Double(text), rate.isFinite, (-1...1).contains(rate) else {
            throw APIError.invalid("risk_free_rate '\(text)' is not an annual rate from -1 to 1 (0.02 is 2 %)")
        }
        return rate == 0 ? 0 : rate  // -0 and 0 are one rate, one cache entry
    }

    private func composition(_ request: Request) async throws -> Response {
        let query = try QueryParameters(request, allowed: ["date", "index"])
        let index = try await directory.resolve(query["index"])
        let date = try rules.date("date", query["date"], default: rules.today())
        return try await cached(request, route: "/index-composition", key: "composition|\(index)|\(date)") {
            let reply = try await reader.composition(index: index, date: date)
            guard let asOf = reply.asOf else {
                throw APIError(.notFound, code: "no_data", message: "no index session is stored on or before \(date)")
            }
            return CompositionBody(date: date, asOf: asOf, constituents: reply.constituents)
        }
    }

    private func changes(_ request: Request) async throws -> Response {
        let query = try QueryParameters(request, allowed: ["start_date", "end_date", "index"])
        let index = try await directory.resolve(query["index"])
        let range = try rules.range(start: query["start_date"], end: query["end_date"])
        return try await cached(
            request, route: "/composition-changes", key: "changes|\(index)|\(range.start)|\(range.end)"
        ) {
            ChangesBody(changes: try await reader.changes(index: index, range: range))
        }
    }

    private func actions(_ request: Request) async throws -> Response {
        let query = try QueryParameters(request, allowed: ["start_date", "end_date", "ticker"])
        let range = try rules.range(start: query["start_date"], end: query["end_date"])
        let ticker = query["ticker"]
        if ticker?.isEmpty == true { throw APIError.invalid("ticker is empty; leave it out for every ticker") }
        // The ticker goes last in the key, so no ticker text can make two queries' keys equal.
        return try await cached(
            request, route: "/corporate-actions",
            key: "actions|\(range.start)|\(range.end)|\(ticker.map { "=" + $0 } ?? "*")"
        ) {
            ActionsBody(actions: try await reader.corporateActions(range: range, ticker: ticker))
        }
    }

    /// The cached answer to `key`, or `produce`'s, stored for next time; 304 when the client holds it already.
    private func cached(
        _ request: Request, route: String, key: String, produce: () async throws -> some Encodable
    ) async throws -> Response {
        let entry: ResponseCache.Entry
        if let hit = cache.lookup(key, route: route) {
            entry = hit
        } else {
            let generation = cache.generation
            entry = cache.store(key, body: try JSONBody.encode(try await produce()), generation: generation)
        }
        var headers: HTTPFields = [.eTag: entry.etag, .cacheControl: "no-cache"]
        if let condition = request.headers[.ifNoneMatch], Self.matches(condition, entry.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = "application/json"
        return ContentEncoding.response(request, headers: headers, body: entry.body, compressed: entry.gzipped)
    }

    /// Weak comparison of `If-None-Match` (a list of tags, or `*`) with `etag`.
    static func matches(_ condition: String, _ etag: String) -> Bool {
        func opaque(_ tag: some StringProtocol) -> Substring {
            let text = Substring(tag.trimmingCharacters(in: .whitespaces))
            return text.hasPrefix("W/") ? text.dropFirst(2) : text
        }
        let mine = opaque(etag)
        return condition.split(separator: ",").contains { opaque($0) == "*" || opaque($0) == mine }
    }
}

/// JSON bodies as the API writes and reads them, with one encoder and one decoder for every request.
enum JSONBody {
    /// Writes object keys in the order they are encoded: the order of the OpenAPI schema.
    static let encoder = OrderedJSONEncoder()
    /// Reads request bodies.
    static let decoder = WireCoding.standardDecoder

    /// The JSON text of `value`: written by the value itself when it can (``JSONWritable``), else encoded.
    static func encode(_ value: some Encodable) throws -> ByteBuffer {
        if let writable = value as? any JSONWritable { return ByteBuffer(bytes: try JSONWriter.encode(writable)) }
        return ByteBuffer(bytes: try encoder.encode(value))
    }

    static func response(_ status: HTTPResponse.Status, _ value: some Encodable, headers: HTTPFields = [:]) throws
        -> Response
    {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: try encode(value)))
    }

    /// Decodes a request body as `T`; bad JSON is a 400 that says where.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int = 64 * 1024) async throws -> T {
        let data = try await body(of: request, limit: limit)
        do {
            return try decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw APIError(.badRequest, code: "invalid_json", message: Self.describe(error))
        }
    }

    /// A request's body: at most `limit` bytes (413 beyond), not empty (400).
    static func body(of request: Request, limit: Int = 64 * 1024) async throws -> Data {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, code: "body_too_large", message: "the body may be at most \(limit) bytes")
        }
        if buffer.readableBytes == 0 {
            throw APIError(.badRequest, code: "invalid_json", message: "the body is empty; send a JSON object")
        }
        return Data(buffer.readableBytesView)
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "" : " at '\(path)'"
        }
        switch error {
        case .typeMismatch(_, let context): return "wrong type\(path(context)): \(context.debugDescription)"
        case .valueNotFound(_, let context): return "missing value\(path(context))"
        case .keyNotFound(let key, _): return "missing field '\(key.stringValue)'"
        case .dataCorrupted(let context): return "the body is not valid JSON\(path(context))"
        @unknown default: return "the body is not valid JSON"
        }
    }
}
