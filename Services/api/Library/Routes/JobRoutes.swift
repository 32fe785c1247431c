import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import TradingCalendar

/// `POST /build-index` (202 with the job), `GET /jobs` (newest first, paginated), `GET /jobs/{id}` and
/// `DELETE /jobs/{id}` (cancel).
struct JobRoutes: Sendable {
    let jobs: JobRunner
    let directory: IndexDirectory
    let rules: DateRules

    struct BuildRequest: Decodable {
        var startDate: String?
        var endDate: String?
        var refetch: Bool?
        var index: String?

        enum CodingKeys: String, CodingKey {
            case startDate = "start_date"
            case endDate = "end_date"
            case refetch, index
        }
    }

    func register(on router: Router<APIRequestContext>) {
        router.post("/build-index") { request, _ in try await build(request) }
        router.get("/jobs") { request, _ in try await list(request) }
        router.get("/jobs/{id}") { request, context in try await job(context.parameters.require("id")) }
        router.delete("/jobs/{id}") { request, context in try await cancel(context.parameters.require("id")) }
    }

    /// The most jobs one page holds, and the default.
    static let maximumLimit = 500
    static let defaultLimit = 50

    private func list(_ request: Request) async throws -> Response {
        let query = try QueryParameters(request, allowed: ["limit", "cursor"])
        var limit = Self.defaultLimit
        if let text = query["limit"] {
            guard let value = Int(text), (1...Self.maximumLimit).contains(value) else {
                throw APIError.invalid("limit '\(text.prefix(32))' is not an integer from 1 to \(Self.maximumLimit)")
            }
            limit = value
        }
        if let cursor = query["cursor"], !Self.isJobID(cursor) {
            throw APIError(.badRequest, code: "invalid_cursor", message: "cursor '\(cursor.prefix(64))' names no job")
        }
        guard let page = try await jobs.list(limit: limit, after: query["cursor"]) else {
            throw APIError(
                .badRequest, code: "invalid_cursor",
                message: "cursor '\(query["cursor"] ?? "")' names no job kept (jobs are kept 30 days)")
        }
        return try JSONBody.response(.ok, JobListBody(jobs: page.jobs.map(JobBody.init), nextCursor: page.nextCursor))
    }

    private func cancel(_ id: String) async throws -> Response {
        guard Self.isJobID(id) else {
            throw APIError(.notFound, code: "unknown_job", message: "no job '\(id.prefix(64))'")
        }
        // A finished job or a definition's is 409 (ErrorMiddleware).
        guard let job = try await jobs.cancel(id) else {
            throw APIError(.notFound, code: "unknown_job", message: "no job '\(id)'")
        }
        return try JSONBody.response(.ok, JobBody(job))
    }

    /// Whether `id` can be a job id (letters, digits and dashes, at most 64).
    static func isJobID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
    }

    private func build(_ request: Request) async throws -> Response {
        let body = try await JSONBody.decode(BuildRequest.self, from: request)
        let index = try await directory.resolve(body.index)
        guard body.startDate != nil else { throw APIError.invalid("start_date is required (YYYY-MM-DD)") }
        let range = try rules.range(start: body.startDate, end: body.endDate)
        let job = try await jobs.submit(index: index, range: range, refetch: body.refetch ?? false)
        return try JSONBody.response(.accepted, JobBody(job), headers: [.location: "/jobs/\(job.id)"])
    }

    private func job(_ id: String) async throws -> Response {
        guard Self.isJobID(id) else {
            throw APIError(.notFound, code: "unknown_job", message: "no job '\(id.prefix(64))'")
        }
        guard let job = try await jobs.job(id) else {
            throw APIError(.notFound, code: "unknown_job", message: "no job '\(id)'")
        }
        return try JSONBody.response(.ok, JobBody(job))
    }
}

/// `GET /jobs`: a page of jobs and the cursor of the next (null on the last page).
struct JobListBody: Encodable {
    var jobs: [JobBody]
    var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case jobs
        case nextCursor = "next_cursor"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(jobs, forKey: .jobs)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}

/// A job as the API shows it.
struct JobBody: Encodable {
    struct Progress: Encodable {
        var sessionsTotal: Int
        var sessionsDone: Int
        var fraction: Double

        enum CodingKeys: String, CodingKey {
            case sessionsTotal = "sessions_total"
            case sessionsDone = "sessions_done"
            case fraction
        }
    }

    var id: String
    var index: String
    var status: String
    var startDate: SessionDate
    var endDate: SessionDate
    var replayStartDate: SessionDate
    var replayEndDate: SessionDate
    var refetch: Bool
    var progress: Progress
    var createdAt: String
    var updatedAt: String
    var error: String?

    enum CodingKeys: String, CodingKey {
        case id, index, status, refetch, progress, error
        case startDate = "start_date"
        case endDate = "end_date"
        case replayStartDate = "replay_start_date"
        case replayEndDate = "replay_end_date"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    init(_ job: JobRecord) {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        id = job.id
        index = job.index
        status = job.status.rawValue
        startDate = job.startDate
        endDate = job.endDate
        replayStartDate = job.replayStart
        replayEndDate = job.replayEnd
        refetch = job.refetch
        progress = Progress(
            sessionsTotal: job.sessionsTotal, sessionsDone: job.sessionsDone,
            fraction: job.sessionsTotal == 0 ? 0 : Double(job.sessionsDone) / Double(job.sessionsTotal)
        )
        createdAt = formatter.string(from: job.createdAt)
        updatedAt = formatter.string(from: job.updatedAt)
        error = job.error
    }

    // An unfailed job has an explicit null error, so every job has the same keys.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(index, forKey: .index)
        try container.encode(status, forKey: .status)
        try container.encode(startDate, forKey: .startDate)
        try container.encode(endDate, forKey: .endDate)
        try container.encode(replayStartDate, forKey: .replayStartDate)
        try container.encode(replayEndDate, forKey: .replayEndDate)
        try container.encode(refetch, forKey: .refetch)
        try container.encode(progress, forKey: .progress)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(error, forKey: .error)
    }
}
