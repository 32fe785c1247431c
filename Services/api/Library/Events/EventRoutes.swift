import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Pipeline
import TradingCalendar

/// `GET /events`: Server-Sent Events read from the pipeline's streams (``EventLog``): `session` (an index session
/// computed), `composition` (constituents added and removed) and `job` (a job's new state), each with an ``EventCursor``
/// as its `id`. A client reconnecting with `Last-Event-ID` gets every event after it that the streams still keep; when
/// some are gone (or the id is from streams made again) a `reset` event comes first, naming the streams, and the
/// client should load its state afresh. A new client gets the events stored from now on.
struct EventRoutes: Sendable {
    let streams: EventStreams

    /// How long a client waits before reconnecting (the stream's `retry:` field), in milliseconds.
    static let retryMilliseconds = 2000

    func register(on router: Router<APIRequestContext>) {
        router.get("/events") { request, _ in try await events(request) }
    }

    private func events(_ request: Request) async throws -> Response {
        let requested = try Self.requestedCursor(request)
        guard let lease = streams.open() else {
            throw APIError(
                .serviceUnavailable, code: "too_many_streams",
                message: "the API has \(streams.settings.maxStreams) event streams open, its limit; try again shortly"
            ).with(header: .retryAfter, "5")
        }
        var retained: [EventLogStream: RetainedSequences] = [:]
        for stream in EventLogStream.allCases { retained[stream] = try await streams.log.retained(stream) }
        let plan = EventStreamPlan.plan(requested: requested, retained: retained)
        let streams = self.streams
        let body = ResponseBody { writer in
            try await Self.write(plan, lease: lease, streams: streams, to: &writer)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", .xAccelBuffering: "no"],
            body: body
        )
    }

    /// The cursor of `Last-Event-ID`; a header that is not one is 400.
    static func requestedCursor(_ request: Request) throws -> EventCursor? {
        guard let header = request.headers[.lastEventID] else { return nil }
        let text = header.trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return nil }
        guard let cursor = EventCursor(id: text) else {
            throw APIError(
                .badRequest, code: "invalid_last_event_id",
                message: "Last-Event-ID '\(text.prefix(64))' is not an id this API sent (three sequences joined by -)")
        }
        return cursor
    }

    /// Streams events until the client goes, a log ends or the API shuts down.
    static func write(
        _ plan: EventStreamPlan, lease: EventStreams.Lease, streams: EventStreams,
        to writer: inout any ResponseBodyWriter
    ) async throws {
        let (items, continuation) = AsyncStream<EventStreams.Item>.makeStream()
        streams.attach(lease, continuation)
        defer { lease.release() }
        var cursor = plan.cursor
        try await withThrowingTaskGroup(of: Void.self) { group in
            for stream in EventLogStream.allCases {
                let events = try streams.log.follow(stream, from: plan.start(stream))
                group.addTask {
                    for await event in events { continuation.yield(.event(event)) }
                    continuation.yield(.logEnded)
                }
            }
            group.addTask {
                while true {
                    try await streams.nextHeartbeat()
                    continuation.yield(.heartbeat)
                }
            }
            defer { group.cancelAll() }
            try await writer.write(ByteBuffer(string: "retry: \(retryMilliseconds)\n: connected\n\n"))
            if !plan.lost.isEmpty {
                try await writer.write(Self.resetEvent(plan.lost, cursor: cursor))
                streams.sent("reset")
            }
            loop: for await item in items {
                switch item {
                case .event(let event):
                    guard event.sequence > cursor[event.stream] else { continue }
                    cursor[event.stream] = event.sequence
                    guard let data = try Self.data(of: event) else { continue }
                    try await writer.write(Self.frame(name: event.stream.description, id: cursor, data: data))
                    streams.sent(event.stream.description)
                case .heartbeat:
                    try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                case .logEnded:
                    break loop
                case .shutdown:
                    try await writer.write(ByteBuffer(string: ": the API is shutting down; reconnect\n\n"))
                    break loop
                }
            }
        }
        continuation.finish()
        try await writer.finish(nil)
    }

    /// One event: its name, id and JSON data.
    static func frame(name: String, id: EventCursor, data: ByteBuffer) -> ByteBuffer {
        var buffer = ByteBuffer(string: "event: \(name)\nid: \(id)\ndata: ")
        var data = data
        buffer.writeBuffer(&data)
        buffer.writeString("\n\n")
        return buffer
    }

    /// The `reset` event: the client should load its state afresh.
    static func resetEvent(_ lost: [EventLogStream], cursor: EventCursor) throws -> ByteBuffer {
        let body = ResetBody(
            streams: lost.map(\.description),
            message: "events of these streams after the given id are no longer kept (or the id is from streams "
                + "made again); load the current state again")
        return frame(name: "reset", id: cursor, data: try JSONBody.encode(body))
    }

    /// The JSON data of an event; nil for one that is not sent (a retraction, a message that did not decode).
    static func data(of event: LoggedEvent) throws -> ByteBuffer? {
        switch event.payload {
        case .session(let result):
            guard !result.isRetraction else { return nil }
            return try JSONBody.encode(
                SessionEventBody(
                    index: result.index, date: result.date, level: result.level, dailyReturn: result.dailyReturn))
        case .composition(let change):
            let entries = { (list: [CompositionChange]) in
                list.map { ChangesBody.Entry(ticker: $0.ticker, rank: $0.rank, marketCap: $0.marketCap) }
            }
            return try JSONBody.encode(
                CompositionEventBody(
                    index: change.index, date: change.date, added: entries(change.added),
                    removed: entries(change.removed)))
        case .job(let job):
            let progress = JobBody(job).progress
            return try JSONBody.encode(JobEventBody(id: job.id, status: job.status.rawValue, progress: progress))
        case nil:
            return nil
        }
    }
}

/// `session`: an index session computed.
struct SessionEventBody: Encodable {
    var index: String
    var date: SessionDate
    var level: Double
    var dailyReturn: Double

    enum CodingKeys: String, CodingKey {
        case index, date, level
        case dailyReturn = "daily_return"
    }
}

/// `composition`: who entered and left an index at a session.
struct CompositionEventBody: Encodable {
    var index: String
    var date: SessionDate
    var added: [ChangesBody.Entry]
    var removed: [ChangesBody.Entry]
}

/// `job`: a job's new state.
struct JobEventBody: Encodable {
    var id: String
    var status: String
    var progress: JobBody.Progress
}

/// `reset`: events the client asked for are gone.
struct ResetBody: Encodable {
    var streams: [String]
    var message: String
}

extension HTTPField.Name {
    /// `X-Accel-Buffering: no` keeps nginx-style proxies from holding back the stream.
    static let xAccelBuffering = HTTPField.Name("X-Accel-Buffering")!
}
