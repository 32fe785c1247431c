import APIService
import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NATSClient
import NIOCore
import Pipeline
import Resilience
import ResilienceTesting
import ServiceSupport
import Synchronization
import TestSupport
import TradingCalendar

/// A stored index in memory: five sessions of January 2024, two constituents changing places.
final class FakeIndexReader: IndexReader {
    struct State {
        var points: [PerformancePoint] = FakeIndexReader.defaultPoints
        var compositions: [SessionDate: [ConstituentDetail]] = FakeIndexReader.defaultCompositions
        var changes: [CompositionEvent] = FakeIndexReader.defaultChanges
        var records: [SessionDate: SessionRecord] = [:]
        var actions: [ValidatedAction] = FakeIndexReader.defaultActions
        var definitions: [StoredDefinition] = IndexDefinition.builtIn().map {
            StoredDefinition(definition: $0, builtIn: true)
        }
        var calls = 0
        var failure: (any Error & Sendable)?
        var reachable = true
    }

    let state = Mutex(State())

    static func day(_ text: String) -> SessionDate { SessionDate(text)! }

    static let defaultPoints: [PerformancePoint] = [
        PerformancePoint(date: day("2024-01-02"), level: 1000, dailyReturn: 0),
        PerformancePoint(date: day("2024-01-03"), level: 1010, dailyReturn: 0.01),
        PerformancePoint(date: day("2024-01-04"), level: 999.9, dailyReturn: -0.01),
        PerformancePoint(date: day("2024-01-05"), level: 1019.898, dailyReturn: 0.02),
        PerformancePoint(date: day("2024-01-08"), level: 1019.898, dailyReturn: 0),
    ]

    static func member(_ ticker: String, rank: Int, cap: Double, close: Double) -> ConstituentDetail {
        ConstituentDetail(
            constituent: Constituent(ticker: ticker, rank: rank, weight: 0.5, marketCap: cap, close: close),
            name: ticker == "BBB" ? nil : "\(ticker) Inc.", sector: ticker == "BBB" ? nil : "Technology"
        )
    }

    static let defaultCompositions: [SessionDate: [ConstituentDetail]] = [
        day("2024-01-02"): [
            member("AAA", rank: 1, cap: 3e12, close: 190.5), member("BBB", rank: 2, cap: 2e12, close: 370.25),
        ],
        day("2024-01-05"): [
            member("CCC", rank: 1, cap: 3.1e12, close: 50), member("AAA", rank: 2, cap: 3e12, close: 181.18),
        ],
    ]

    static let defaultChanges: [CompositionEvent] = [
        CompositionEvent(
            index: Indexes.defaultID, date: day("2024-01-03"), previousDate: day("2024-01-02"), added: [],
            removed: []
        ),
        CompositionEvent(
            index: Indexes.defaultID, date: day("2024-01-05"), previousDate: day("2024-01-04"),
            added: [CompositionChange(ticker: "CCC", rank: 1, marketCap: 3.1e12)],
            removed: [CompositionChange(ticker: "BBB", rank: nil, marketCap: nil)]
        ),
    ]

    static let defaultActions: [ValidatedAction] = [
        ValidatedAction(
            action: CorporateAction(date: day("2024-01-03"), ticker: "AAA", kind: "split", value: 4), rejection: nil),
        ValidatedAction(
            action: CorporateAction(date: day("2024-01-03"), ticker: "BBB", kind: "cash_dividend", value: 0.75),
            rejection: nil),
        ValidatedAction(
            action: CorporateAction(date: day("2024-01-05"), ticker: "AAA", kind: "merger", value: nil),
            rejection: .unknownKind),
        ValidatedAction(
            action: CorporateAction(date: day("2024-01-05"), ticker: "CCC", kind: "special_dividend", value: .nan),
            rejection: .badValue),
    ]

    private func enter() throws {
        let failure = state.withLock { state -> (any Error)? in
            state.calls += 1
            return state.failure
        }
        if let failure { throw failure }
    }

    var calls: Int { state.withLock { $0.calls } }

    func performance(index: String, range: DateRange) async throws -> [PerformancePoint] {
        try enter()
        return state.withLock { $0.points.filter { $0.date >= range.start && $0.date <= range.end } }
    }

    func composition(index: String, date: SessionDate) async throws -> CompositionReply {
        try enter()
        return state.withLock { state in
            let sessions = state.points.map(\.date).filter { $0 <= date }
            guard let asOf = sessions.max() else { return CompositionReply(asOf: nil, constituents: []) }
            let base = state.compositions.keys.filter { $0 <= asOf }.max()
            return CompositionReply(asOf: asOf, constituents: base.flatMap { state.compositions[$0] } ?? [])
        }
    }

    func compositions(index: String, range: DateRange) async throws -> [SessionComposition] {
        try enter()
        return state.withLock { state in
            state.points.map(\.date).filter(range.contains).map { date in
                let base = state.compositions.keys.filter { $0 <= date }.max()
                return SessionComposition(date: date, constituents: base.flatMap { state.compositions[$0] } ?? [])
            }
        }
    }

    func changes(index: String, range: DateRange) async throws -> [CompositionEvent] {
        try enter()
        return state.withLock { $0.changes.filter { $0.date >= range.start && $0.date <= range.end } }
    }

    func sessions(index: String, range: DateRange) async throws -> [SessionRecord] {
        try enter()
        return state.withLock { state in
            state.records.values.filter { $0.date >= range.start && $0.date <= range.end }.sorted { $0.date < $1.date }
        }
    }

    func definitions(id: String?) async throws -> [StoredDefinition] {
        try enter()
        return state.withLock { state in state.definitions.filter { id == nil || $0.definition.id == id } }
    }

    func define(_ definition: IndexDefinition, jobID: String) async throws -> DefineIndexReply {
        try enter()
        return state.withLock { state in
            if let existing = state.definitions.first(where: { $0.definition.id == definition.id }) {
                return DefineIndexReply(created: false, definition: existing)
            }
            let stored = StoredDefinition(definition: definition, builtIn: false, jobID: jobID, createdAt: Date())
            state.definitions.append(stored)
            return DefineIndexReply(created: true, definition: stored)
        }
    }

    func removeIndex(_ id: String) async throws -> RemoveIndexReply.Outcome {
        try enter()
        return state.withLock { state in
            guard let position = state.definitions.firstIndex(where: { $0.definition.id == id }) else {
                return .unknown
            }
            if state.definitions[position].builtIn { return .builtIn }
            state.definitions.remove(at: position)
            return .removed
        }
    }

    func corporateActions(range: DateRange, ticker: String?) async throws -> [ValidatedAction] {
        try enter()
        return state.withLock { state in
            state.actions.filter { action in
                range.contains(action.action.date) && (ticker.map { action.action.ticker == $0 } ?? true)
            }
        }
    }

    func isReachable() async -> Bool { state.withLock { $0.reachable } }

    /// Marks `dates` stored and computed.
    func store(_ dates: [SessionDate]) {
        state.withLock { state in
            for date in dates {
                state.records[date] = SessionRecord(
                    date: date, batchID: "b-\(date)", source: "sim", receivedRows: 3, validRows: 3, rejectedRows: 0,
                    indexBatchID: "b-\(date)"
                )
            }
        }
    }
}

/// An API over fakes, with a key file holding one key, fixed "today", and limits a test may set.
struct TestAPI {
    let reader = FakeIndexReader()
    /// Takes the replay requests; each one is pending at the fake fetcher until the test finishes it.
    let publisher = FakePublisher()
    let probe = FakeProbe()
    let deadLetters = DeadLetterFeed()
    let store = MemoryJobStore()
    let cache: ResponseCache
    let jobs: JobRunner
    let keysPath: String
    let key: String
    let limiter: RateLimiter
    let clock = ManualClock()
    let checks: [ReadinessCheck]
    /// `API_CORS_ORIGINS`.
    let corsOrigins: [String]
    /// `API_READ_AUTH`.
    let readAuth: Bool
    /// Bearer JWTs.
    let jwt: JWTVerifier?
    static let today = SessionDate("2024-01-10")!

    init(
        limits: TokenBucket.Limits? = nil, cacheBytes: Int = 1 << 20,
        settings: JobRunner.Settings = .init(stallTimeout: .seconds(30)), corsOrigins: [String] = [],
        now: @escaping @Sendable () -> Date = { Date() }, readAuth: Bool = false, jwt: JWTVerifier? = nil
    ) throws {
        self.readAuth = readAuth
        self.jwt = jwt
        self.corsOrigins = corsOrigins
        cache = ResponseCache(capacityBytes: cacheBytes)
        let probe = probe
        publisher.onPublish { message in
            if let request = message as? ReplayRequest { probe.setPending(request.replayID, true) }
        }
        jobs = JobRunner(
            reader: reader, publisher: publisher,
            follower: Self.follower(reader: reader, probe: probe, deadLetters: deadLetters), store: store,
            settings: settings,
            logger: Logger.test("api"), now: now
        )
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("api-test-\(UUID().uuidString)")
        keysPath = directory.appendingPathComponent("api-keys").path
        key = try APIKeyFile.create(name: "analyst", path: keysPath)
        limiter = RateLimiter(limits: limits, clock: clock)
        let reader = reader
        checks = [ReadinessCheck(name: "storage") { await reader.isReachable() }]
    }

    /// The real follower over the fakes: storage answers from the reader's records.
    func follower() -> ReplayFollower {
        Self.follower(reader: reader, probe: probe, deadLetters: deadLetters)
    }

    private static func follower(
        reader: FakeIndexReader, probe: FakeProbe, deadLetters: DeadLetterFeed
    ) -> ReplayFollower {
        let storage = FakeStorage()
        storage.on(SessionsQuery.self) { query in
            SessionsReply(
                sessions: reader.state.withLock { state in
                    state.records.values.filter { query.range.contains($0.date) }.sorted { $0.date < $1.date }
                })
        }
        return ReplayFollower(storage: storage, probe: probe, deadLetters: deadLetters, pollInterval: .milliseconds(5))
    }

    /// The fetcher has published every session of `replayID`'s request.
    func finishReplay(_ replayID: String) { probe.setPending(replayID, false) }

    /// The replay requests published.
    var published: [ReplayRequest] { publisher.published(ReplayRequest.self) }

    /// A dead letter arrives.
    func deadLettered(subject: String, reason: String, at time: Date = Date()) {
        deadLetters.record(DeadLetter(subject: subject, reason: reason, receivedAt: time))
    }

    func dependencies() throws -> APIDependencies {
        APIDependencies(
            reader: reader, cache: cache, jobs: jobs, keys: try APIKeyStore(path: keysPath, recheck: .zero),
            limiter: limiter,
            endpoint: HTTPEndpoint(
                service: "api", host: "127.0.0.1", port: 0, startedAt: .now, checks: checks, onPort: { _ in },
                logger: Logger.test("api")
            ),
            today: { TestAPI.today }, corsOrigins: corsOrigins, readAuth: readAuth, jwt: jwt
        )
    }

    func application() throws -> some ApplicationProtocol {
        Application(router: APIRouter.build(try dependencies()), logger: Logger.test("api"))
    }

    /// Runs `body` against the router.
    func test<T: Sendable>(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        try await application().test(.router) { client in try await body(client) }
    }
}

extension TestResponse {
    /// The body as a JSON object.
    var json: [String: Any] {
        get throws {
            let object = try JSONSerialization.jsonObject(
                with: Data(body.readableBytesView), options: [.fragmentsAllowed])
            guard let dictionary = object as? [String: Any] else {
                throw ReaderFailure(message: "not an object: \(object)")
            }
            return dictionary
        }
    }

    /// The error code of a JSON error body.
    var errorCode: String? {
        (try? json)?["error"].flatMap { $0 as? [String: Any] }?["code"] as? String
    }
}

extension TestClientProtocol {
    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: headers)
    }

    func post(_ uri: String, json: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json))
    }
}

extension HTTPField.Name {
    static let apiKey = HTTPField.Name("X-API-Key")!
}
