import Contracts
import Foundation
import ServiceSupport
import TestSupport
import Testing
import TradingCalendar

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The REST API on the real executables: a build job through every service, answers that follow the new data, an
/// export that matches the answers, and a job that outlives an API restart.
@Suite("API end to end", .serialized)
struct APIEndToEndTests {
    struct HTTPAnswer {
        var status: Int
        var body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
    }

    static func send(_ method: String, _ url: String, body: String? = nil, key: String? = nil) async throws
        -> HTTPAnswer
    {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let key { request.setValue(key, forHTTPHeaderField: "X-API-Key") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return HTTPAnswer(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data)
    }

    struct Performance: Decodable {
        struct Point: Decodable { var level: Double }
        var performance: [Point]
    }

    /// The levels, decoded with JSONDecoder: Foundation's JSONSerialization on Linux can be one unit in the last
    /// place off when it reads a double, JSONDecoder reads it exactly.
    static func levels(_ answer: HTTPAnswer) -> [Double] {
        ((try? JSONDecoder().decode(Performance.self, from: answer.body))?.performance ?? []).map(\.level)
    }

    /// Posts a build job and waits for it to end; returns the final job.
    static func build(_ base: String, key: String, from: String, to: String) async throws -> [String: Any] {
        let accepted = try await send(
            "POST", base + "/build-index", body: #"{"start_date": "\#(from)", "end_date": "\#(to)"}"#, key: key
        )
        #expect(accepted.status == 202)
        let id = try #require(accepted.json["id"] as? String)
        var last: [String: Any] = [:]
        let ended = try await eventually(timeout: .seconds(180), every: .milliseconds(250)) {
            last = try await send("GET", base + "/jobs/\(id)").json
            return ["succeeded", "failed"].contains(last["status"] as? String ?? "")
        }
        #expect(ended, "job \(id) still \(last["status"] ?? "?")")
        return last
    }

    @Test("POST /build-index back-fills through every service; answers follow new data; the export matches them")
    func buildJob() async throws {
        let keys = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-keys-\(UUID().uuidString)").path
        let key = try APIKeyFile.create(name: "e2e", path: keys)
        let stack = try await ExecutableStack(["API_KEYS_FILE": keys])
        // Every process is stopped before the test returns, passed or not (the folder and logs kept on failure).
        do {
            try await exercise(stack, key: key)
            await stack.shutdown()
        } catch {
            await stack.shutdown(keep: true)
            throw error
        }
    }

    private func exercise(_ stack: ExecutableStack, key: String) async throws {
        let base = "http://127.0.0.1:\(stack.processEnvironment["API_PORT"] ?? "0")"
        #expect(
            await eventually(timeout: .seconds(30)) { (try? await Self.send("GET", base + "/ready").status) == 200 })

        let january = try await Self.build(base, key: key, from: "2024-01-02", to: "2024-01-31")
        #expect(january["status"] as? String == "succeeded", "\(january)")
        let progress = try #require(january["progress"] as? [String: Any])
        // January 2024 has 21 NYSE sessions (New Year's Day and Martin Luther King Jr. Day closed).
        #expect(progress["sessions_total"] as? Int == 21)
        #expect(progress["sessions_done"] as? Int == 21)

        let uri = base + "/index-performance?start_date=2024-01-02&end_date=2024-02-29"
        let before = try await Self.send("GET", uri)
        let stored = try await stack.ask(
            PerformanceQuery(
                index: "ew100", range: DateRange(start: SessionDate("2024-01-02")!, end: SessionDate("2024-02-29")!))
        )
        #expect(Self.levels(before) == stored.points.map(\.level))
        #expect(Self.levels(before).count == 21)
        #expect(Self.levels(before).first == 1000)
        // Asked again: the same answer (from the cache).
        #expect(try await Self.send("GET", uri).body == before.body)

        let february = try await Self.build(base, key: key, from: "2024-02-01", to: "2024-02-29")
        #expect(february["status"] as? String == "succeeded", "\(february)")
        // The cached answer was dropped when storage committed February: 21 + 20 sessions now.
        let after = try await Self.send("GET", uri)
        #expect(Self.levels(after).count == 41)
        #expect(Array(Self.levels(after).prefix(21)) == Self.levels(before))

        let export = try await Self.send(
            "POST", base + "/export-data", body: #"{"start_date": "2024-01-02", "end_date": "2024-02-29"}"#, key: key
        )
        #expect(export.status == 200)
        let sheets = try ExternalReader.openpyxlSheets(export.body)
        let exported = sheets.first { $0.name == "Performance" }?.rows.dropFirst().map { $0[1] } ?? []
        #expect(exported == Self.levels(after).map { ReadCell.float($0.bitPattern) })

        // The job is kept on JetStream: a restarted API still knows it.
        let id = try #require(february["id"] as? String)
        #expect(await stack.stop("api"))
        try stack.start("api")
        #expect(
            await eventually(timeout: .seconds(30)) { (try? await Self.send("GET", base + "/ready").status) == 200 })
        let again = try await Self.send("GET", base + "/jobs/\(id)")
        #expect(again.status == 200)
        #expect(again.json["status"] as? String == "succeeded")
    }
}
