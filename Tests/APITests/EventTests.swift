import APIService
import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Pipeline
import ServiceSupport
import Synchronization
import TestSupport
import Testing
import TradingCalendar

/// One server-sent event of a stream's text.
struct SentEvent: Equatable {
    var name: String
    var id: String
    var data: [String: Any]

    static func == (lhs: SentEvent, rhs: SentEvent) -> Bool {
        lhs.name == rhs.name && lhs.id == rhs.id && NSDictionary(dictionary: lhs.data).isEqual(to: rhs.data)
    }

    /// The events of an event stream's text (comments and the retry field left out).
    static func parse(_ text: String) throws -> [SentEvent] {
        try text.components(separatedBy: "\n\n").compactMap { block in
            var fields: [String: String] = [:]
            for line in block.split(separator: "\n") where !line.hasPrefix(":") {
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2 else { continue }
                fields[String(parts[0])] = String(parts[1].dropFirst())
            }
            guard let name = fields["event"], let id = fields["id"], let data = fields["data"] else { return nil }
            let object = try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any]
            return SentEvent(name: name, id: id, data: object ?? [:])
        }
    }
}

@Suite("GET /events over an in-memory event log")
struct EventTests {
    static let day = SessionDate("2024-01-09")!

    static func session(_ index: String = "ew100", level: Double, dailyReturn: Double, retracted: Bool = false)
        -> LoggedEvent.Payload
    {
        .session(
            IndexResult(
                index: index, date: day, previousDate: SessionDate("2024-01-08"), level: level,
                dailyReturn: dailyReturn,
                constituents: retracted
                    ? [] : [Constituent(ticker: "AAA", rank: 1, weight: 1, marketCap: 3e12, close: 5)]
            ))
    }

    static let composition = LoggedEvent.Payload.composition(
        CompositionEvent(
            index: "ew100", date: day, previousDate: SessionDate("2024-01-08")!,
            added: [CompositionChange(ticker: "CCC", rank: 2, marketCap: 2.5e12)],
            removed: [CompositionChange(ticker: "BBB", rank: nil, marketCap: nil)]
        ))

    static func job(_ status: JobRecord.Status, done: Int) -> LoggedEvent.Payload {
        .job(
            JobRecord(
                id: "job-1", index: "ew100", status: status, startDate: day, endDate: day, replayStart: day,
                replayEnd: day, sessionsTotal: 4, sessionsDone: done, refetch: false, createdAt: Date(),
                updatedAt: Date()))
    }

    /// Opens `/events` (with `lastEventID`), runs `during` once the stream reads the log, waits until `expected`
    /// events were sent, then ends the log and returns the answer.
    static func stream(
        _ api: TestAPI, lastEventID: String? = nil, expected: Int,
        during: @escaping @Sendable () async throws -> Void = {}
    ) async throws -> TestResponse {
        try await api.test { client in
            let headers: HTTPFields = lastEventID.map { [.lastEventID: $0] } ?? [:]
            async let response = client.get("/events", headers: headers)
            #expect(await eventually { api.eventLog.followers == EventLogStream.allCases.count })
            try await during()
            #expect(await eventually { api.events.eventsSent >= expected })
            api.eventLog.finish()
            return try await response
        }
    }

    @Test("an id is the three stream positions; anything else is not one")
    func cursor() {
        let cursor = EventCursor([1042, 311, 57])
        #expect(cursor.description == "1042-311-57")
        #expect(EventCursor(id: "1042-311-57") == cursor)
        for bad in ["", "1-2", "1-2-3-4", "a-2-3", "1--3", "-1-2-3", "1-2-+3", "1-2-99999999999999999999999"] {
            #expect(EventCursor(id: bad) == nil, "\(bad)")
        }
    }

    @Test("a new client starts at the end; a kept position resumes after it; a lost or unknown one is a reset")
    func plan() {
        let retained: [EventLogStream: RetainedSequences] = [
            .sessions: RetainedSequences(first: 10, last: 20), .compositions: RetainedSequences(first: 1, last: 5),
            .jobs: RetainedSequences(first: 4, last: 3),
        ]
        let fresh = EventStreamPlan.plan(requested: nil, retained: retained)
        #expect(fresh.cursor == EventCursor([20, 5, 3]))
        #expect(fresh.lost.isEmpty)
        #expect(fresh.start(.sessions) == 21)

        let resumed = EventStreamPlan.plan(requested: EventCursor([9, 2, 3]), retained: retained)
        #expect(resumed.cursor == EventCursor([9, 2, 3]))
        #expect(resumed.lost.isEmpty)

        let expired = EventStreamPlan.plan(requested: EventCursor([4, 5, 3]), retained: retained)
        #expect(expired.cursor == EventCursor([9, 5, 3]))
        #expect(expired.lost == [.sessions])

        let unknown = EventStreamPlan.plan(requested: EventCursor([20, 9, 7]), retained: retained)
        #expect(unknown.cursor == EventCursor([20, 5, 3]))
        #expect(unknown.lost == [.compositions, .jobs])
    }

    @Test("a client resuming from 0-0-0 gets every kept event, each id naming the positions of all three streams")
    func resume() async throws {
        let api = try TestAPI()
        api.eventLog.append(Self.session(level: 1010.5, dailyReturn: 0.0105), to: .sessions)
        api.eventLog.append(Self.composition, to: .compositions)
        api.eventLog.append(Self.job(.running, done: 1), to: .jobs)
        let response = try await Self.stream(api, lastEventID: "0-0-0", expected: 3)
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == "text/event-stream")
        #expect(response.headers[.cacheControl] == "no-cache")
        let text = String(buffer: response.body)
        #expect(text.hasPrefix("retry: 2000\n"))
        // The three streams are read side by side: their events may interleave, each id counts what was sent.
        let parsed = try SentEvent.parse(text)
        #expect(parsed.count == 3)
        #expect(parsed.last?.id == "1-1-1")
        let byName = Dictionary(parsed.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(Set(byName.keys) == ["session", "composition", "job"])
        for (name, position) in [("session", 0), ("composition", 1), ("job", 2)] {
            let id = byName[name]?.id.split(separator: "-").map(String.init) ?? []
            #expect(id.count == 3 && id[position] == "1", "\(name): \(id)")
        }
        let events = ["session", "composition", "job"].compactMap { byName[$0] }
        try #require(events.count == 3)
        #expect(
            events[0].data as NSDictionary
                == ["index": "ew100", "date": "2024-01-09", "level": 1010.5, "daily_return": 0.0105] as NSDictionary)
        #expect(
            events[1].data as NSDictionary
                == [
                    "index": "ew100", "date": "2024-01-09",
                    "added": [["ticker": "CCC", "rank": 2, "market_cap": 2.5e12]],
                    "removed": [["ticker": "BBB", "rank": NSNull(), "market_cap": NSNull()]],
                ] as NSDictionary)
        #expect(
            events[2].data as NSDictionary
                == [
                    "id": "job-1", "status": "running",
                    "progress": ["sessions_total": 4, "sessions_done": 1, "fraction": 0.25],
                ] as NSDictionary)
        // Keys come in the documented order.
        #expect(text.contains(#"data: {"index":"ew100","date":"2024-01-09","level":1010.5,"daily_return":0.0105}"#))
    }

    @Test("a new client gets only what is stored after it connected; a resumed one only what came after its id")
    func fromNowOn() async throws {
        let api = try TestAPI()
        api.eventLog.append(Self.session(level: 1000, dailyReturn: 0), to: .sessions)
        api.eventLog.append(Self.job(.queued, done: 0), to: .jobs)
        let fresh = try await Self.stream(api, expected: 1) {
            api.eventLog.append(Self.job(.succeeded, done: 4), to: .jobs)
        }
        let events = try SentEvent.parse(String(buffer: fresh.body))
        #expect(events.map(\.name) == ["job"])
        #expect(events.map(\.id) == ["1-0-2"])
        #expect(events.first?.data["status"] as? String == "succeeded")

        let again = try TestAPI()
        for level in [1000.0, 1001, 1002] {
            again.eventLog.append(Self.session(level: level, dailyReturn: 0), to: .sessions)
        }
        let resumed = try await Self.stream(again, lastEventID: "2-0-0", expected: 1)
        let later = try SentEvent.parse(String(buffer: resumed.body))
        #expect(later.map(\.id) == ["3-0-0"])
        #expect(later.first?.data["level"] as? Double == 1002)
    }

    @Test("a retraction and a message that does not decode are not sent, but the next id counts them")
    func skipped() async throws {
        let api = try TestAPI()
        api.eventLog.append(Self.session(level: 1000, dailyReturn: 0, retracted: true), to: .sessions)
        api.eventLog.append(nil, to: .sessions)
        api.eventLog.append(Self.session(level: 1003, dailyReturn: 0.003), to: .sessions)
        let response = try await Self.stream(api, lastEventID: "0-0-0", expected: 1)
        let events = try SentEvent.parse(String(buffer: response.body))
        #expect(events.map(\.id) == ["3-0-0"])
    }

    @Test("a client whose events have expired gets a reset naming the stream, then what is kept")
    func reset() async throws {
        let api = try TestAPI()
        for level in [1000.0, 1001, 1002, 1003] {
            api.eventLog.append(Self.session(level: level, dailyReturn: 0), to: .sessions)
        }
        api.eventLog.drop(.sessions, before: 3)
        let response = try await Self.stream(api, lastEventID: "1-0-0", expected: 3)
        let events = try SentEvent.parse(String(buffer: response.body))
        #expect(events.map(\.name) == ["reset", "session", "session"])
        #expect(events.map(\.id) == ["2-0-0", "3-0-0", "4-0-0"])
        #expect(events.first?.data["streams"] as? [String] == ["session"])
    }

    @Test("a Last-Event-ID that is not an id of this API is 400")
    func badID() async throws {
        let api = try TestAPI()
        try await api.test { client in
            let response = try await client.get("/events", headers: [.lastEventID: "yesterday"])
            #expect(response.status == .badRequest)
            #expect(response.errorCode == "invalid_last_event_id")
        }
        #expect(api.events.openCount == 0)
    }

    @Test("past API_EVENTS_MAX_STREAMS a stream is 503 with Retry-After; the place comes back when one ends")
    func bound() async throws {
        let api = try TestAPI(events: .init(maxStreams: 1))
        try await api.test { client in
            async let first = client.get("/events")
            #expect(await eventually { api.eventLog.followers == EventLogStream.allCases.count })
            let refused = try await client.get("/events")
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.errorCode == "too_many_streams")
            #expect(refused.headers[.retryAfter] == "5")
            api.eventLog.finish()
            #expect(try await first.status == .ok)
            #expect(await eventually { api.events.openCount == 0 })
            async let second = client.get("/events")
            #expect(await eventually { api.eventLog.followers == EventLogStream.allCases.count })
            api.eventLog.finish()
            #expect(try await second.status == .ok)
        }
    }

    /// Hands over two heartbeats at once, then ends the log and hands over no more.
    final class TwoHeartbeats: Sendable {
        let beats = Mutex(0)
        let log = Mutex<MemoryEventLog?>(nil)

        func next() async throws {
            let beat = beats.withLock { count in
                count += 1
                return count
            }
            if beat <= 2 { return }
            log.withLock { $0 }?.finish()
            try await Task.sleep(for: .seconds(3600))
        }
    }

    @Test("an idle stream gets a heartbeat comment each time one is due")
    func heartbeat() async throws {
        let script = TwoHeartbeats()
        let api = try TestAPI(nextHeartbeat: { try await script.next() })
        script.log.withLock { $0 = api.eventLog }
        let response = try await api.test { client in try await client.get("/events") }
        let text = String(buffer: response.body)
        #expect(text.components(separatedBy: ": heartbeat\n\n").count - 1 == 2)
        #expect(try SentEvent.parse(text).isEmpty)
    }

    @Test("shutdown ends every open stream with a last comment and refuses new ones")
    func shutdown() async throws {
        let api = try TestAPI()
        try await api.test { client in
            async let open = client.get("/events")
            #expect(await eventually { api.eventLog.followers == EventLogStream.allCases.count })
            await api.events.shutdown()
            let ended = try await open
            #expect(ended.status == .ok)
            #expect(String(buffer: ended.body).hasSuffix(": the API is shutting down; reconnect\n\n"))
            #expect(api.events.openCount == 0)
            #expect(api.eventLog.followers == 0)
            #expect(try await client.get("/events").status == .serviceUnavailable)
        }
    }

    @Test("NATS unreachable before the stream starts is a 503 JSON error")
    func unavailable() async throws {
        let api = try TestAPI()
        api.eventLog.fail(with: PipelineError.unavailable(dependency: "NATS JetStream", reason: "down"))
        try await api.test { client in
            let response = try await client.get("/events")
            #expect(response.status == .serviceUnavailable)
            #expect(response.errorCode == "nats_unavailable")
        }
        #expect(api.events.openCount == 0)
    }

    @Test("/metrics counts the open streams and the events sent, by event")
    func metrics() async throws {
        _ = Observability.registry
        let api = try TestAPI()
        api.eventLog.append(Self.job(.running, done: 2), to: .jobs)
        _ = try await Self.stream(api, lastEventID: "0-0-0", expected: 1)
        let text = try await api.test { client in String(buffer: try await client.get("/metrics").body) }
        #expect(text.contains(#"api_events_sent_total{event="job"}"#))
        #expect(text.contains("api_events_streams_open"))
    }
}

@Suite("The dashboard")
struct DashboardTests {
    @Test("GET / is the page; its script and stylesheet come from /assets under the same-origin policy, no inline code")
    func page() async throws {
        let api = try TestAPI()
        try await api.test { client in
            let page = try await client.get("/")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[.contentSecurityPolicy] == SecurityHeadersMiddleware.contentSecurityPolicy)
            let html = String(buffer: page.body)
            #expect(html.contains(#"<script src="/assets/dashboard.js" defer></script>"#))
            #expect(html.contains(#"<link rel="stylesheet" href="/assets/dashboard.css">"#))
            // The policy allows no inline script, style element or style attribute: the page has none.
            #expect(html.components(separatedBy: "<script").count == 2)
            #expect(!html.contains("<style") && !html.contains("style=") && !html.contains("onclick"))
            for table in [
                "level-table", "summary-table", "sector-table", "composition-table", "changes-table", "jobs-table",
            ] {
                #expect(html.contains(#"<table id="\#(table)">"#), "\(table)")
            }

            let script = try await client.get("/assets/dashboard.js")
            #expect(script.status == .ok)
            #expect(script.headers[.contentType] == "text/javascript; charset=utf-8")
            let code = String(buffer: script.body)
            #expect(code.contains(#"new EventSource("/events")"#))
            // Nothing from another origin: the only URL in the script is SVG's namespace.
            let urls = code.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
            #expect(!urls.contains("http:") && !urls.contains("https:"))
            #expect(!code.contains("setAttribute(\"style\"") && !code.contains("innerHTML"))

            let style = try await client.get("/assets/dashboard.css")
            #expect(style.headers[.contentType] == "text/css; charset=utf-8")
            #expect(String(buffer: style.body).contains("@media (max-width: 700px)"))

            let missing = try await client.get("/assets/other.js")
            #expect(missing.status == .notFound)
            #expect(missing.errorCode == "not_found")
        }
    }
}
