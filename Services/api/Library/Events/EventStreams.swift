import Foundation
import Metrics
import Pipeline
import Synchronization

/// The open `GET /events` streams: at most `maxStreams` at once, a heartbeat comment on each when it has been idle,
/// their metrics, and their end when the API shuts down.
package final class EventStreams: Sendable {
    /// `API_EVENTS_HEARTBEAT` and `API_EVENTS_MAX_STREAMS`.
    package struct Settings: Sendable {
        /// How often an open stream gets a `:` comment, so proxies keep an idle connection open.
        package var heartbeat: Duration
        /// The most streams open at once; one more is answered 503.
        package var maxStreams: Int

        /// Settings.
        package init(heartbeat: Duration = .seconds(15), maxStreams: Int = 100) {
            self.heartbeat = heartbeat
            self.maxStreams = maxStreams
        }
    }

    /// What a stream's writer is handed, in order.
    enum Item: Sendable {
        /// An event of one of the logs.
        case event(LoggedEvent)
        /// Time for a heartbeat comment.
        case heartbeat
        /// A stream of the log ended (the NATS connection went): the client reconnects with its last id.
        case logEnded
        /// The API is shutting down.
        case shutdown
    }

    private struct State {
        var open: [Int: AsyncStream<Item>.Continuation] = [:]
        var nextID = 0
        var shuttingDown = false
    }

    /// Where the events come from.
    let log: any EventLog
    /// The settings.
    let settings: Settings
    /// Waits until the next heartbeat is due (a sleep of the heartbeat interval; tests pass their own).
    let nextHeartbeat: @Sendable () async throws -> Void
    private let state = Mutex(State())
    private let openGauge = Gauge(label: "api_events_streams_open")
    private let refused = Counter(label: "api_events_streams_refused_total")
    private let sentCounters: [String: Counter]
    private let sentTotal = Atomic<Int>(0)

    /// Streams of `log`'s events.
    package init(
        log: any EventLog, settings: Settings = Settings(),
        nextHeartbeat: (@Sendable () async throws -> Void)? = nil
    ) {
        self.log = log
        self.settings = settings
        let interval = settings.heartbeat
        self.nextHeartbeat = nextHeartbeat ?? { try await Task.sleep(for: interval) }
        var counters: [String: Counter] = [:]
        for name in EventLogStream.allCases.map(\.description) + ["reset"] {
            counters[name] = Counter(label: "api_events_sent_total", dimensions: [("event", name)])
        }
        sentCounters = counters
    }

    /// How many streams are open.
    package var openCount: Int { state.withLock { $0.open.count } }

    /// A place for one more stream, or nil at the bound (or while shutting down).
    func open() -> Lease? {
        let id = state.withLock { state -> Int? in
            guard !state.shuttingDown, state.open.count < settings.maxStreams else { return nil }
            let id = state.nextID
            state.nextID += 1
            // Taken now, so the bound holds between the answer and the first write.
            state.open[id] = AsyncStream<Item>.makeStream().continuation
            return id
        }
        guard let id else {
            refused.increment()
            return nil
        }
        openGauge.record(openCount)
        return Lease(id: id, streams: self)
    }

    /// Hands the stream of `lease` its items from now on.
    func attach(_ lease: Lease, _ continuation: AsyncStream<Item>.Continuation) {
        let shuttingDown = state.withLock { state in
            if state.open[lease.id] != nil { state.open[lease.id] = continuation }
            return state.shuttingDown
        }
        if shuttingDown { continuation.yield(.shutdown) }
    }

    fileprivate func release(_ id: Int) {
        state.withLock { _ = $0.open.removeValue(forKey: id) }
        openGauge.record(openCount)
    }

    /// Counts an event sent.
    func sent(_ name: String) {
        sentCounters[name]?.increment()
        sentTotal.add(1, ordering: .relaxed)
    }

    /// Events sent on every stream so far (`api_events_sent_total` summed).
    package var eventsSent: Int { sentTotal.load(ordering: .relaxed) }

    /// Ends every open stream (each writes a last comment and finishes its answer), refuses new ones, and waits until
    /// they have ended, at most `timeout`.
    package func shutdown(timeout: Duration = .seconds(5)) async {
        let open = state.withLock { state in
            state.shuttingDown = true
            return Array(state.open.values)
        }
        for continuation in open { continuation.yield(.shutdown) }
        let deadline = ContinuousClock.now + timeout
        while openCount > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// One stream's place: given back when the stream ends, or when its answer is dropped unwritten.
    final class Lease: Sendable {
        let id: Int
        private let streams: EventStreams
        private let released = Atomic(false)

        fileprivate init(id: Int, streams: EventStreams) {
            self.id = id
            self.streams = streams
        }

        /// Gives the place back (once).
        func release() {
            guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
            streams.release(id)
        }

        deinit { release() }
    }
}
