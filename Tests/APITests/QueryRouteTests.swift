import APIService
import Contracts
import Foundation
import HTTPTypes
import HummingbirdTesting
import NATSClient
import NIOCore
import Pipeline
import Synchronization
import TestSupport
import Testing

@Suite("Query routes")
struct QueryRouteTests {
    @Test("index-performance: levels, returns from the range's first session, and a hand-computed summary")
    func performance() async throws {
        let api = try TestAPI()
        try await api.test { client in
            let response = try await client.get("/index-performance?start_date=2024-01-02&end_date=2024-01-08")
            #expect(response.status == .ok)
            let body = try response.json
            let points = try #require(body["performance"] as? [[String: Any]])
            #expect(points.count == 5)
            #expect(
                points.map { $0["date"] as? String } == [
                    "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08",
                ])
            #expect(points[2]["level"] as? Double == 999.9)
            #expect(points[2]["daily_return"] as? Double == -0.01)
            #expect(abs((points[2]["cumulative_return"] as? Double ?? 1) - -0.0001) < 1e-12)
            let summary = try #require(body["summary"] as? [String: Any])
            #expect(summary["sessions"] as? Int == 5)
            #expect(summary["start_date"] as? String == "2024-01-02")
            #expect(summary["end_date"] as? String == "2024-01-08")
            #expect(abs((summary["total_return"] as? Double ?? 0) - 0.019898) < 1e-12)
            // Moves inside the range: .01, -.01, .02, 0; mean .005; sample variance 5e-4 / 3; times 252, root.
            #expect(abs((summary["annualized_volatility"] as? Double ?? 0) - (5e-4 / 3 * 252).squareRoot()) < 1e-12)
            #expect(abs((summary["max_drawdown"] as? Double ?? 0) - (999.9 / 1010 - 1)) < 1e-12)
            let best = try #require(summary["best_session"] as? [String: Any])
            #expect(best["date"] as? String == "2024-01-05")
            #expect(best["daily_return"] as? Double == 0.02)
            let worst = try #require(summary["worst_session"] as? [String: Any])
            #expect(worst["date"] as? String == "2024-01-04")
        }
    }

    @Test("cumulative return is measured from the first session inside the range; end_date defaults to today")
    func cumulativeFromRangeStart() async throws {
        let api = try TestAPI()
        try await api.test { client in
            let body = try await client.get("/index-performance?start_date=2024-01-03&end_date=2024-01-05").json
            let points = try #require(body["performance"] as? [[String: Any]])
            #expect(points.first?["cumulative_return"] as? Double == 0)
            #expect(abs((points.last?["cumulative_return"] as? Double ?? 0) - (1019.898 / 1010 - 1)) < 1e-12)
            let open = try await client.get("/index-performance?start_date=2024-01-05").json
            #expect((open["performance"] as? [Any])?.count == 2)
        }
    }

    @Test("an empty range has a summary of explicit nulls")
    func emptyRange() async throws {
        let api = try TestAPI()
        try await api.test { client in
            let body = try await client.get("/index-performance?start_date=2023-06-01&end_date=2023-06-30").json
            let summary = try #require(body["summary"] as? [String: Any])
            #expect(summary["sessions"] as? Int == 0)
            #expect(summary["total_return"] is NSNull)
            #expect(summary["best_session"] is NSNull)
        }
    }

    @Test("index-composition answers as of the latest session on or before the date, today by default")
    func composition() async throws {
        let api = try TestAPI()
        try await api.test { client in
            let sunday = try await client.get("/index-composition?date=2024-01-07").json
            #expect(sunday["date"] as? String == "2024-01-07")
            #expect(sunday["as_of"] as? String == "2024-01-05")
            let members = try #require(sunday["constituents"] as? [[String: Any]])
            #expect(members.map { $0["ticker"] as? String } == ["CCC", "AAA"])
            #expect(members[1]["close"] as? Double == 181.18)
            #expect(members[1]["market_cap"] as? Double == 3e12)
            #expect(members[1]["weight"] as? Double == 0.5)
            #expect(members[1]["name"] as? String == "AAA Inc.")
            let early = try await client.get("/index-composition?date=2024-01-03").json
            let earlyMembers = try #require(early["constituents"] as? [[String: Any]])
            #expect(earlyMembers[1]["ticker"] as? String == "BBB")
            #expect(earlyMembers[1]["name"] is NSNull)
            let today = try await client.get("/index-composition").json
            #expect(today["date"] as? String == "2024-01-10")
            #expect(today["as_of"] as? String == "2024-01-08")
        }
    }

    @Test("composition before the first stored session is a 404 no_data")
    func compositionBeforeBase() async throws {
        let api = try TestAPI()
        try await api.test { client in
            let response = try await client.get("/index-composition?date=2023-12-29")
            #expect(response.status == .notFound)
            #expect(response.errorCode == "no_data")
        }
    }

    @Test("composition-changes lists only sessions with a change, with null rank for a ticker without a row")
    func changes() async throws {
        let api = try TestAPI()
        try await api.test { client in
            let body = try await client.get("/composition-changes?start_date=2024-01-02&end_date=2024-01-08").json
            let changes = try #require(body["changes"] as? [[String: Any]])
            #expect(changes.count == 1)
            #expect(changes[0]["date"] as? String == "2024-01-05")
            let added = try #require(changes[0]["added"] as? [[String: Any]])
            #expect(added.first?["ticker"] as? String == "CCC")
            #expect(added.first?["rank"] as? Int == 1)
            let removed = try #require(changes[0]["removed"] as? [[String: Any]])
            #expect(removed.first?["ticker"] as? String == "BBB")
            #expect(removed.first?["rank"] is NSNull)
            #expect(removed.first?["market_cap"] is NSNull)
        }
    }

    @Test("corporate-actions lists accepted and rejected actions, null value and rejection where there is none")
    func corporateActions() async throws {
        let api = try TestAPI()
        try await api.test { client in
            let body = try await client.get("/corporate-actions?start_date=2024-01-02&end_date=2024-01-08").json
            let actions = try #require(body["actions"] as? [[String: Any]])
            #expect(actions.map { $0["ticker"] as? String } == ["AAA", "BBB", "AAA", "CCC"])
            #expect(actions[0]["date"] as? String == "2024-01-03")
            #expect(actions[0]["kind"] as? String == "split")
            #expect(actions[0]["value"] as? Double == 4)
            #expect(actions[0]["rejection"] is NSNull)
            #expect(actions[2]["kind"] as? String == "merger")
            #expect(actions[2]["value"] is NSNull)
            #expect(actions[2]["rejection"] as? String == "unknown_kind")
            // A value that is not a finite number is null in JSON.
            #expect(actions[3]["value"] is NSNull)
            #expect(actions[3]["rejection"] as? String == "bad_value")

            let only = try await client.get("/corporate-actions?start_date=2024-01-04&ticker=AAA").json
            let onlyActions = try #require(only["actions"] as? [[String: Any]])
            #expect(onlyActions.map { $0["kind"] as? String } == ["merger"])
            let none = try await client.get("/corporate-actions?start_date=2024-01-02&ticker=ZZZ").json
            #expect((none["actions"] as? [Any])?.isEmpty == true)
            let empty = try await client.get("/corporate-actions?start_date=2024-01-02&ticker=")
            #expect(empty.status == .badRequest)
            let missing = try await client.get("/corporate-actions")
            #expect(missing.status == .badRequest)
        }
    }

    @Test(
        "bad input is a 4xx JSON error with a stable code, never a 500",
        arguments: [
            ("/index-performance", 400, "invalid_parameter"),
            ("/index-performance?start_date=2024-1-02", 400, "invalid_parameter"),
            ("/index-performance?start_date=2024-02-30", 400, "invalid_parameter"),
            ("/index-performance?start_date=20240102", 400, "invalid_parameter"),
            ("/index-performance?start_date=2024-01-05&end_date=2024-01-02", 400, "invalid_parameter"),
            ("/index-performance?start_date=2024-01-02&end_date=2024-01-11", 400, "invalid_parameter"),
            ("/index-performance?start_date=1999-12-31", 400, "invalid_parameter"),
            ("/index-performance?start_date=2024-01-02&start_date=2024-01-03", 400, "invalid_parameter"),
            ("/index-performance?start_date=2024-01-02&stat_date=2024-01-03", 400, "invalid_parameter"),
            ("/index-performance?start_date=2024-01-02&index=sp500", 404, "unknown_index"),
            ("/index-composition?date=yesterday", 400, "invalid_parameter"),
            ("/index-composition?date=2024-01-11", 400, "invalid_parameter"),
            ("/index-composition?index=ew50", 404, "unknown_index"),
            ("/composition-changes?end_date=2024-01-05", 400, "invalid_parameter"),
            ("/composition-changes?start_date=2024-01-09&end_date=2024-01-08", 400, "invalid_parameter"),
            ("/index-levels", 404, "not_found"),
            ("/jobs/job-1/steps", 404, "not_found"),
        ]
    )
    func badInput(uri: String, status: Int, code: String) async throws {
        let api = try TestAPI()
        try await api.test { client in
            let response = try await client.get(uri)
            #expect(response.status.code == status, "\(uri)")
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.errorCode == code, "\(uri)")
            let error = try #require(try response.json["error"] as? [String: Any])
            #expect((error["message"] as? String)?.isEmpty == false)
        }
    }

    @Test("a method a route does not take is a 4xx JSON error")
    func wrongMethod() async throws {
        let api = try TestAPI()
        try await api.test { client in
            let response = try await client.execute(uri: "/index-performance?start_date=2024-01-02", method: .delete)
            #expect((400..<500).contains(response.status.code))
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.errorCode != nil)
        }
    }

    @Test("the whole calendar is one allowed range")
    func wholeCalendar() async throws {
        let api = try TestAPI()
        try await api.test { client in
            let response = try await client.get("/index-performance?start_date=2000-01-03&end_date=2024-01-10")
            #expect(response.status == .ok)
            #expect((try response.json["performance"] as? [Any])?.count == 5)
        }
    }

    @Test("storage unreachable is a 503 JSON error with Retry-After; a storage refusal is a 500 JSON error")
    func storageTrouble() async throws {
        let api = try TestAPI()
        api.reader.state.withLock { $0.failure = PipelineError.unavailable(dependency: "storage", reason: "timed out") }
        try await api.test { client in
            let response = try await client.get("/index-performance?start_date=2024-01-02")
            #expect(response.status == .serviceUnavailable)
            #expect(response.errorCode == "storage_unavailable")
            #expect(response.headers[.retryAfter] == "1")
        }
        api.reader.state.withLock {
            $0.failure = PipelineError.refused(dependency: "storage", reason: "disk I/O error")
        }
        try await api.test { client in
            let response = try await client.get("/index-performance?start_date=2024-01-02")
            #expect(response.status == .internalServerError)
            #expect(response.errorCode == "storage_error")
        }
    }

    @Test("/ready is 503 and names storage when storage does not answer")
    func readiness() async throws {
        let api = try TestAPI()
        try await api.test { client in
            #expect(try await client.get("/ready").status == .ok)
            api.reader.state.withLock { $0.reachable = false }
            let response = try await client.get("/ready")
            #expect(response.status == .serviceUnavailable)
            let checks = try #require(try response.json["checks"] as? [String: Bool])
            #expect(checks["storage"] == false)
        }
    }
}
