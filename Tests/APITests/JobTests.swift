import APIService
import Contracts
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NATSClient
import NIOCore
import Pipeline
import Synchronization
import TestSupport
import Testing
import TradingCalendar

@Suite("Build jobs")
struct JobTests {
    static let days = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"].map { SessionDate($0)! }

    func job(_ client: any TestClientProtocol, _ id: String) async throws -> [String: Any] {
        let response = try await client.get("/jobs/\(id)")
        #expect(response.status == .ok)
        return try response.json
    }

    @Test("POST /build-index answers 202 with the queued job and its Location, and publishes a replay with the job id")
    func accepted() async throws {
        let api = try TestAPI()
        try await api.test { client in
            let response = try await client.post(
                "/build-index", json: #"{"start_date": "2024-01-01", "end_date": "2024-01-05", "refetch": true}"#,
                headers: [.apiKey: api.key]
            )
            #expect(response.status == .accepted)
            let body = try response.json
            let id = try #require(body["id"] as? String)
            #expect(response.headers[.location] == "/jobs/\(id)")
            #expect(body["status"] as? String == "queued")
            #expect(body["start_date"] as? String == "2024-01-01")
            #expect(body["refetch"] as? Bool == true)
            #expect(body["error"] is NSNull)
            let progress = try #require(body["progress"] as? [String: Any])
            #expect(progress["sessions_total"] as? Int == 4)
            #expect(progress["sessions_done"] as? Int == 0)
            let request = try #require(api.published.first)
            #expect(request.replayID == id)
            #expect(request.from == SessionDate("2024-01-01")!)
            #expect(request.to == SessionDate("2024-01-05")!)
            #expect(request.refetch)
        }
    }

    @Test("a job goes queued, running with progress, then succeeded once the fetcher is done and every session stored")
    func lifecycle() async throws {
        let api = try TestAPI()
        try await api.test { client in
            let body = try await client.post(
                "/build-index", json: #"{"start_date": "2024-01-02", "end_date": "2024-01-05"}"#,
                headers: [.apiKey: api.key]
            ).json
            let id = try #require(body["id"] as? String)
            api.reader.store(Array(Self.days.prefix(2)))
            #expect(try await eventually { try await job(client, id)["status"] as? String == "running" })
            #expect(
                try await eventually {
                    (try await job(client, id)["progress"] as? [String: Any])?["sessions_done"] as? Int == 2
                }
            )
            api.reader.store(Self.days)
            // Every session stored but the fetcher still holds the request: not finished yet.
            try await Task.sleep(for: .milliseconds(50))
            #expect(try await job(client, id)["status"] as? String == "running")
            api.finishReplay(id)
            #expect(try await eventually { try await job(client, id)["status"] as? String == "succeeded" })
            let done = try await job(client, id)
            #expect((done["progress"] as? [String: Any])?["fraction"] as? Double == 1)
            #expect(api.store.states(of: id).first == .queued)
            #expect(api.store.states(of: id).last == .succeeded)
        }
    }

    @Test("a dead letter for a session of the job fails it with the reason; an older one does not")
    func deadLetter() async throws {
        let api = try TestAPI()
        api.deadLettered(
            subject: "prices.raw.2024-01-03", reason: "from an earlier run", at: Date(timeIntervalSinceNow: -60))
        try await api.test { client in
            let body = try await client.post(
                "/build-index", json: #"{"start_date": "2024-01-02", "end_date": "2024-01-05"}"#,
                headers: [.apiKey: api.key]
            ).json
            let id = try #require(body["id"] as? String)
            try await Task.sleep(for: .milliseconds(50))
            #expect(try await job(client, id)["status"] as? String == "queued")
            api.deadLettered(subject: "prices.valid.2024-01-04", reason: "malformed validated-batch payload")
            #expect(try await eventually { try await job(client, id)["status"] as? String == "failed" })
            let failed = try await job(client, id)
            #expect((failed["error"] as? String)?.contains("malformed validated-batch payload") == true)
        }
    }

    @Test("a job the fetcher has taken fails after the stall timeout without progress")
    func stall() async throws {
        let api = try TestAPI(settings: .init(stallTimeout: .milliseconds(100)))
        try await api.test { client in
            let body = try await client.post(
                "/build-index", json: #"{"start_date": "2024-01-02", "end_date": "2024-01-05"}"#,
                headers: [.apiKey: api.key]
            ).json
            let id = try #require(body["id"] as? String)
            api.finishReplay(id)
            #expect(try await eventually { try await job(client, id)["status"] as? String == "failed" })
            #expect((try await job(client, id)["error"] as? String)?.contains("no progress") == true)
        }
    }

    @Test("a job outlives the API: a new runner reads it from the store and follows it to the end")
    func restart() async throws {
        let api = try TestAPI()
        let id = try await api.test { client in
            let body = try await client.post(
                "/build-index", json: #"{"start_date": "2024-01-02", "end_date": "2024-01-05"}"#,
                headers: [.apiKey: api.key]
            ).json
            return try #require(body["id"] as? String)
        }
        await api.jobs.stop()
        let restarted = JobRunner(
            reader: api.reader, publisher: api.publisher, follower: api.follower(), store: api.store,
            logger: Logger.test("api")
        )
        #expect(try await restarted.job(id)?.status == .queued)
        api.reader.store(Self.days)
        api.finishReplay(id)
        #expect(try await eventually { try await restarted.job(id)?.status == .succeeded })
        #expect(try await restarted.job("job-unknown") == nil)
    }

    @Test("a later range is grown back to the stored series so no gap is left")
    func growsToStoredSeries() async throws {
        let api = try TestAPI()
        api.reader.store([SessionDate("2023-12-28")!])
        try await api.test { client in
            let body = try await client.post(
                "/build-index", json: #"{"start_date": "2024-01-04", "end_date": "2024-01-05"}"#,
                headers: [.apiKey: api.key]
            ).json
            #expect(body["replay_start_date"] as? String == "2023-12-29")
            #expect(body["replay_end_date"] as? String == "2024-01-05")
            #expect((body["progress"] as? [String: Any])?["sessions_total"] as? Int == 5)
        }
    }

    @Test(
        "bad build requests are 4xx JSON errors and queue nothing",
        arguments: [
            ("", 400, "invalid_json"), ("{", 400, "invalid_json"), ("[]", 400, "invalid_json"),
            (#"{"end_date": "2024-01-05"}"#, 400, "invalid_parameter"),
            (#"{"start_date": 20240102}"#, 400, "invalid_json"),
            (#"{"start_date": "2024-01-06", "end_date": "2024-01-02"}"#, 400, "invalid_parameter"),
            (#"{"start_date": "2024-01-02", "end_date": "2030-01-02"}"#, 400, "invalid_parameter"),
            (#"{"start_date": "2024-01-06", "end_date": "2024-01-07"}"#, 422, "no_sessions"),
            (#"{"start_date": "2024-01-02", "index": "ew500"}"#, 404, "unknown_index"),
        ]
    )
    func badRequests(body: String, status: Int, code: String) async throws {
        let api = try TestAPI()
        try await api.test { client in
            let response = try await client.post("/build-index", json: body, headers: [.apiKey: api.key])
            #expect(response.status.code == status, "\(body)")
            #expect(response.errorCode == code, "\(body)")
        }
        #expect(api.published.isEmpty)
    }

    @Test("when the replay request cannot be published the caller gets a 503 and the job is saved failed")
    func publishFails() async throws {
        let api = try TestAPI()
        api.publisher.fail(with: PipelineError.unavailable(dependency: "NATS JetStream", reason: "timed out"))
        try await api.test { client in
            let response = try await client.post(
                "/build-index", json: #"{"start_date": "2024-01-02"}"#, headers: [.apiKey: api.key]
            )
            #expect(response.status == .serviceUnavailable)
            #expect(response.errorCode == "pipeline_unavailable")
            #expect(response.headers[.retryAfter] == "1")
        }
        let saved = api.store.allStates()
        #expect(saved.map(\.status) == [.queued, .failed])
        #expect(saved.last?.error?.contains("could not be published") == true)
    }

    @Test("an unknown job is 404 unknown_job")
    func unknownJob() async throws {
        let api = try TestAPI()
        try await api.test { client in
            for id in ["job-0000", "../etc/passwd", String(repeating: "a", count: 300)] {
                let response = try await client.get(
                    "/jobs/\(id.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
                #expect(response.status == .notFound)
                #expect(["unknown_job", "not_found"].contains(response.errorCode ?? ""))
            }
        }
    }

    /// Submits a build of `start`...`end`; its id.
    func submit(_ client: any TestClientProtocol, _ api: TestAPI, _ start: String, _ end: String) async throws -> String
    {
        let body = try await client.post(
            "/build-index", json: #"{"start_date": "\#(start)", "end_date": "\#(end)"}"#, headers: [.apiKey: api.key]
        ).json
        return try #require(body["id"] as? String)
    }

    @Test("GET /jobs lists jobs newest first, limit at a time, with the next page's cursor; bad limits and cursors 400")
    func listing() async throws {
        let clock = Locked(Date(timeIntervalSince1970: 1_700_000_000))
        let api = try TestAPI(now: { clock.value })
        try await api.test { client in
            var ids: [String] = []
            for day in ["02", "03", "04", "05", "08"] {
                ids.append(try await submit(client, api, "2024-01-\(day)", "2024-01-\(day)"))
                clock.update { $0 += 60 }
            }
            let newestFirst = Array(ids.reversed())
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let response = try await client.get("/jobs?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""))
                #expect(response.status == .ok)
                let body = try response.json
                let jobs = try #require(body["jobs"] as? [[String: Any]])
                #expect(jobs.count <= 2)
                seen += jobs.compactMap { $0["id"] as? String }
                #expect(jobs.allSatisfy { $0["status"] as? String == "queued" })
                cursor = body["next_cursor"] as? String
                #expect(cursor != nil || body["next_cursor"] is NSNull)
                pages += 1
            } while cursor != nil && pages < 10
            #expect(seen == newestFirst)
            #expect(pages == 3)
            let all = try await client.get("/jobs").json
            #expect((all["jobs"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == newestFirst)
            #expect(all["next_cursor"] is NSNull)

            for query in ["limit=0", "limit=501", "limit=two", "cursor=job-nope", "cursor=..%2F", "page=2"] {
                let response = try await client.get("/jobs?\(query)")
                #expect(response.status == .badRequest, "\(query)")
            }
            #expect(try await client.get("/jobs?cursor=job-nope").errorCode == "invalid_cursor")
        }
    }

    @Test("DELETE /jobs/{id} cancels a running job for good; a finished one is 409; unknown 404; a key is needed")
    func cancel() async throws {
        let api = try TestAPI()
        try await api.test { client in
            let id = try await submit(client, api, "2024-01-02", "2024-01-05")
            api.reader.store(Array(Self.days.prefix(1)))
            #expect(try await eventually { try await job(client, id)["status"] as? String == "running" })

            #expect(try await client.execute(uri: "/jobs/\(id)", method: .delete).status == .unauthorized)
            let cancelled = try await client.execute(uri: "/jobs/\(id)", method: .delete, headers: [.apiKey: api.key])
            #expect(cancelled.status == .ok)
            #expect(try cancelled.json["status"] as? String == "cancelled")
            #expect(try await job(client, id)["status"] as? String == "cancelled")
            #expect(api.store.states(of: id).last == .cancelled)

            // The pipeline goes on with what was already published; the job stays cancelled.
            api.reader.store(Self.days)
            api.finishReplay(id)
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await job(client, id)["status"] as? String == "cancelled")
            #expect(api.store.states(of: id).last == .cancelled)

            let again = try await client.execute(uri: "/jobs/\(id)", method: .delete, headers: [.apiKey: api.key])
            #expect(again.status == .conflict)
            #expect(again.errorCode == "job_finished")
            let unknown = try await client.execute(
                uri: "/jobs/job-0000", method: .delete, headers: [.apiKey: api.key])
            #expect(unknown.status == .notFound)
            #expect(unknown.errorCode == "unknown_job")
        }
    }

    @Test("a job cancelled by another API process is not finished over by this one's follower")
    func cancelledElsewhere() async throws {
        let api = try TestAPI()
        try await api.test { client in
            let id = try await submit(client, api, "2024-01-02", "2024-01-05")
            // The other process saves the cancellation; this one still follows the job.
            var stored = try #require(try await api.store.load(id))
            stored.status = .cancelled
            try await api.store.save(stored)
            api.reader.store(Self.days)
            api.finishReplay(id)
            try await Task.sleep(for: .milliseconds(200))
            #expect(api.store.states(of: id).last == .cancelled)
            #expect(try await job(client, id)["status"] as? String == "cancelled")
        }
    }

    @Test("a definition's job cannot be cancelled (409 job_not_cancellable): removing the index stops it")
    func definitionJobStays() async throws {
        let api = try TestAPI()
        let created = Date()
        let job = JobRecord(
            id: "job-definition-1", index: "tech50", status: .running, startDate: Self.days[0],
            endDate: Self.days[3], replayStart: Self.days[0], replayEnd: Self.days[3], sessionsTotal: 4,
            sessionsDone: 1, refetch: false, createdAt: created, updatedAt: created, kind: .definition
        )
        try await api.store.save(job)
        try await api.test { client in
            let response = try await client.execute(
                uri: "/jobs/job-definition-1", method: .delete, headers: [.apiKey: api.key])
            #expect(response.status == .conflict)
            #expect(response.errorCode == "job_not_cancellable")
        }
        #expect(api.store.states(of: "job-definition-1") == [.running])
    }
}
