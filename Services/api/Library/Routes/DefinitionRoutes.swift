import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import Pipeline
import TradingCalendar

/// `GET /indexes`, `GET /indexes/{id}`, `POST /indexes` (201 with the stored definition and the job building its
/// history; 409 for an id in use; 422 naming the invalid field) and `DELETE /indexes/{id}` (204; 409 for a built-in).
struct DefinitionRoutes: Sendable {
    let reader: any IndexReader
    let directory: IndexDirectory
    let jobs: JobRunner

    func register(on router: Router<APIRequestContext>) {
        router.get("/indexes") { request, _ in try await list(request) }
        router.get("/indexes/{id}") { _, context in try await one(context.parameters.require("id")) }
        router.post("/indexes") { request, _ in try await add(request) }
        router.delete("/indexes/{id}") { _, context in try await remove(context.parameters.require("id")) }
    }

    private func list(_ request: Request) async throws -> Response {
        _ = try QueryParameters(request, allowed: [])
        let definitions = try await reader.definitions(id: nil)
        return try JSONBody.response(.ok, DefinitionsBody(indexes: definitions.map { DefinitionBody($0) }))
    }

    private func one(_ id: String) async throws -> Response {
        guard IndexDefinition.isValidID(id), let stored = try await reader.definitions(id: id).first else {
            throw APIError(.notFound, code: "unknown_index", message: "no index named '\(id.prefix(64))'")
        }
        return try JSONBody.response(.ok, DefinitionBody(stored))
    }

    private func add(_ request: Request) async throws -> Response {
        let data = try await JSONBody.body(of: request)
        let definition: IndexDefinition
        do {
            definition = try IndexDefinition.parse(data)
        } catch let error as DefinitionError {
            guard !error.field.isEmpty else {
                throw APIError(.badRequest, code: "invalid_json", message: error.message)
            }
            var refusal = APIError(.unprocessableContent, code: "invalid_definition", message: error.description)
            refusal.field = error.field
            throw refusal
        }
        switch try await jobs.submitDefinition(definition) {
        case .created(let stored, let job):
            await directory.invalidate()
            return try JSONBody.response(
                .created, DefinitionBody(stored, job: job), headers: [.location: "/indexes/\(definition.id)"]
            )
        case .idInUse(let existing):
            throw APIError(
                .conflict, code: "index_exists",
                message: "the id '\(definition.id)' is in use by \(existing.builtIn ? "a built-in" : "an added") index"
            )
        }
    }

    private func remove(_ id: String) async throws -> Response {
        guard IndexDefinition.isValidID(id) else {
            throw APIError(.notFound, code: "unknown_index", message: "no index named '\(id.prefix(64))'")
        }
        switch try await reader.removeIndex(id) {
        case .removed:
            await directory.invalidate()
            return Response(status: .noContent)
        case .unknown:
            throw APIError(.notFound, code: "unknown_index", message: "no index named '\(id)'")
        case .builtIn:
            throw APIError(.conflict, code: "built_in_index", message: "the built-in index '\(id)' cannot be removed")
        }
    }
}

/// `{"indexes": [...]}`.
struct DefinitionsBody: Encodable {
    var indexes: [DefinitionBody]
}

/// A definition as the API shows it: its fields (every default filled in), whether it is built in, its stored
/// sessions, and the job that builds an added one's history.
struct DefinitionBody: Encodable {
    struct Universe: Encodable {
        var sectors: [String]
        var exchanges: [String]
    }

    struct Job: Encodable {
        var id: String
        var status: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encodeIfPresent(status, forKey: .status)
        }

        enum CodingKeys: String, CodingKey { case id, status }
    }

    var stored: StoredDefinition
    var job: Job?

    init(_ stored: StoredDefinition, job: JobRecord? = nil) {
        self.stored = stored
        if let job {
            self.job = Job(id: job.id, status: job.status.rawValue)
        } else {
            self.job = stored.jobID.map { Job(id: $0, status: nil) }
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, name, size, universe, weighting, cap, rebalance, buffer
        case returnKind = "return"
        case baseLevel = "base_level"
        case builtIn = "built_in"
        case firstSession = "first_session"
        case lastSession = "last_session"
        case sessions, job
    }

    func encode(to encoder: any Encoder) throws {
        let definition = stored.definition
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(definition.id, forKey: .id)
        try container.encode(definition.name, forKey: .name)
        try container.encode(definition.size, forKey: .size)
        try container.encode(
            Universe(sectors: definition.universe.sectors, exchanges: definition.universe.exchanges), forKey: .universe
        )
        try container.encode(definition.weighting.rawValue, forKey: .weighting)
        try container.encode(definition.cap, forKey: .cap)
        try container.encode(definition.rebalance.rawValue, forKey: .rebalance)
        try container.encode(definition.buffer, forKey: .buffer)
        try container.encode(definition.returnKind.rawValue, forKey: .returnKind)
        try container.encode(definition.baseLevel, forKey: .baseLevel)
        try container.encode(stored.builtIn, forKey: .builtIn)
        try container.encode(stored.firstSession, forKey: .firstSession)
        try container.encode(stored.lastSession, forKey: .lastSession)
        try container.encode(stored.sessions, forKey: .sessions)
        try container.encode(job, forKey: .job)
    }
}
