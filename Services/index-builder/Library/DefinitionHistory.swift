import Contracts
import Methodology
import Pipeline
import TradingCalendar

/// An added definition's whole history, built in one pass: storage's stored rows read in pages of many sessions
/// (only ticker, close and market cap, the next page asked for while one is computed), every session computed in
/// date order by ``IndexHistory``, and the results with their composition events written back in commands of many
/// sessions, each one transaction (one command in flight while computing goes on).
///
/// The series is the one ``IndexBuildEngine`` builds session by session from the same view; a view whose known
/// sessions have a gap (the engine would wait) is left to the engine.
struct DefinitionHistory {
    /// Storage: the pages of rows and the commands.
    let storage: any StorageAsking
    /// The lane's view: its session records, the arrivals held, the stocks and actions.
    let view: StorageView
    /// The definition.
    let calculator: IndexCalculator
    /// The largest request or reply wanted: the broker's payload limit.
    let payloadLimit: Int
    /// How long one command may take.
    var commandTimeout: Duration = .seconds(120)
    /// Says which dates are sessions.
    var calendar = NYSECalendar.standard

    /// Computes and stores the history; the results stored, in date order, or nil (nothing read, nothing stored)
    /// when the known sessions have a gap. `progress` is told the sessions stored after each command.
    func build(progress: @escaping @Sendable (Int) async -> Void = { _ in }) async throws -> [IndexResult]? {
        let coverage = NYSECalendar.coverage
        let records = try await view.sessionRecords(from: coverage.lowerBound, to: coverage.upperBound)
            .filter { calendar.isSession($0.date) }
        guard let base = records.first?.date, let last = records.last?.date else { return [] }
        guard calendar.sessions(from: base, to: last).count == records.count else { return nil }
        // Every session's actions in one request rather than one per session as the series goes.
        _ = try await view.actions(after: base.adding(days: -1), through: last)

        var pages = RowPages(storage: storage, range: DateRange(start: base, end: last), maxBytes: payloadLimit)
        defer { pages.cancel() }
        var writer = HistoryWriter(
            storage: storage, index: calculator.index, payloadLimit: payloadLimit, timeout: commandTimeout,
            progress: progress
        )
        defer { writer.cancel() }
        var history = IndexHistory(calculator: calculator)
        var results: [IndexResult] = []
        for record in records {
            let input: (batchID: String, rows: [ValidRow])
            if record.validRows == 0 {
                input = (record.batchID, [])  // nothing to read: the session is no index session
            } else if let arrived = await view.arrival(on: record.date) {
                input = (arrived.batchID, arrived.rows)
            } else {
                input = try await pages.rows(on: record.date)
            }
            guard
                let result = try await history.advance(
                    date: record.date, batchID: input.batchID, rows: input.rows, store: view)
            else { continue }
            results.append(result)
            try await writer.add(result, event: calculator.compositionEvent(for: result))
        }
        try await writer.finish(through: coverage.upperBound)
        return results
    }
}

/// The stored rows of a range, page after page in date order, the next page asked for as soon as one arrives.
private struct RowPages {
    let storage: any StorageAsking
    let range: DateRange
    let maxBytes: Int
    /// The sessions of the current page not handed out yet.
    private var buffer: ArraySlice<SessionRows> = []
    /// The next page, asked for; nil once the range is done.
    private var pending: Task<SessionRowsReply, any Error>?

    init(storage: any StorageAsking, range: DateRange, maxBytes: Int) {
        self.storage = storage
        self.range = range
        self.maxBytes = maxBytes
        pending = Self.ask(storage, DateRange(start: range.start, end: range.end), maxBytes: maxBytes)
    }

    private static func ask(
        _ storage: any StorageAsking, _ range: DateRange, maxBytes: Int
    ) -> Task<SessionRowsReply, any Error> {
        Task { try await storage.ask(SessionRowsQuery(range: range, maxBytes: maxBytes)) }
    }

    /// The stored batch and rows of `date`, later than every date asked for before.
    mutating func rows(on date: SessionDate) async throws -> (batchID: String, rows: [ValidRow]) {
        while true {
            while let first = buffer.first, first.date < date { buffer.removeFirst() }
            if let first = buffer.first {
                guard first.date == date else { throw IndexBuildError.rowsUnavailable(date) }
                buffer.removeFirst()
                return (first.batchID, first.rows)
            }
            guard let page = pending else { throw IndexBuildError.rowsUnavailable(date) }
            let reply = try await page.value
            pending = reply.next.map { Self.ask(storage, DateRange(start: $0, end: range.end), maxBytes: maxBytes) }
            buffer = reply.sessions[...]
            if reply.sessions.isEmpty && pending == nil { throw IndexBuildError.rowsUnavailable(date) }
        }
    }

    /// Stops asking for pages.
    func cancel() { pending?.cancel() }
}

/// Writes a series in commands of many sessions over consecutive ranges from the calendar's first date, one
/// command batch in flight while the caller computes on.
private struct HistoryWriter {
    let storage: any StorageAsking
    let index: String
    let payloadLimit: Int
    let timeout: Duration
    let progress: @Sendable (Int) async -> Void
    /// The first date the next command replaces.
    private var start = NYSECalendar.coverage.lowerBound
    private var results: [IndexResult] = []
    private var events: [CompositionEvent] = []
    /// About how many bytes `results` and `events` encode to.
    private var bytes = 0
    /// Sessions written (or being written).
    private var written = 0
    /// The commands in flight.
    private var writing: Task<Void, any Error>?

    init(
        storage: any StorageAsking, index: String, payloadLimit: Int, timeout: Duration,
        progress: @escaping @Sendable (Int) async -> Void
    ) {
        self.storage = storage
        self.index = index
        self.payloadLimit = payloadLimit
        self.timeout = timeout
        self.progress = progress
    }

    /// Adds a session's result and event; sends what is pending once it fills a command.
    mutating func add(_ result: IndexResult, event: CompositionEvent?) async throws {
        results.append(result)
        if let event { events.append(event) }
        // A constituent takes about 28 bytes encoded, a previous ticker or change 2 to 12.
        bytes +=
            64 + result.constituents.count * 28 + result.previousTickers.count * 3
            + (event.map { ($0.added.count + $0.removed.count) * 12 } ?? 0)
        if bytes >= payloadLimit, let last = results.last?.date {
            try await send(through: last)
        }
    }

    /// Sends the rest, up to `end`, and waits until every command is stored.
    mutating func finish(through end: SessionDate) async throws {
        try await send(through: end)
        try await writing?.value
        writing = nil
    }

    /// Stops writing.
    func cancel() { writing?.cancel() }

    private mutating func send(through end: SessionDate) async throws {
        let commands = try StoreHistoryCommand.chunks(
            index: index, range: DateRange(start: start, end: end), results: results, events: events,
            maxBytes: payloadLimit
        )
        start = end.adding(days: 1)
        results = []
        events = []
        bytes = 0
        // One batch of commands in flight: the one before must be stored first, so the ranges are stored in order.
        try await writing?.value
        let storage = self.storage
        let timeout = self.timeout
        let progress = self.progress
        let before = written
        written += commands.reduce(0) { $0 + $1.results.count }
        writing = Task {
            var stored = before
            for command in commands {
                _ = try await storage.send(command, timeout: timeout)
                stored += command.results.count
            }
            await progress(stored)
        }
    }
}
