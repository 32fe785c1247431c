import Pipeline

/// Where a client of `GET /events` is in the three event streams: the last stream sequence it has seen of each. It
/// is the `id` of every event sent, `<index>-<composition>-<jobs>` (`1042-311-57`), so a client reconnecting with
/// `Last-Event-ID` says exactly where each stream resumes.
package struct EventCursor: Sendable, Equatable, CustomStringConvertible {
    /// The last sequence seen, by stream.
    package var positions: [UInt64]

    /// A cursor at `positions` (one per ``EventLogStream``, in its order).
    package init(_ positions: [UInt64]) {
        precondition(positions.count == EventLogStream.allCases.count)
        self.positions = positions
    }

    /// Reads an event id; nil when it is not three decimal sequences joined by `-`.
    package init?(id: String) {
        let parts = id.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == EventLogStream.allCases.count, id.count <= 64 else { return nil }
        var positions: [UInt64] = []
        for part in parts {
            guard !part.isEmpty, part.allSatisfy({ $0.isASCII && $0.isNumber }), let value = UInt64(part) else {
                return nil
            }
            positions.append(value)
        }
        self.init(positions)
    }

    /// The last sequence seen of `stream`.
    package subscript(stream: EventLogStream) -> UInt64 {
        get { positions[stream.rawValue] }
        set { positions[stream.rawValue] = newValue }
    }

    /// The event id.
    package var description: String { positions.map(String.init).joined(separator: "-") }
}

/// Where a new stream starts reading each event stream, and which streams lost events the client asked for.
package struct EventStreamPlan: Sendable, Equatable {
    /// The cursor before the first event sent.
    package var cursor: EventCursor
    /// The streams whose events after the client's position are no longer all kept (or whose position the stream
    /// never reached: a stream made again starts its sequences over): the client should load its state afresh.
    package var lost: [EventLogStream]

    /// The first sequence to read of `stream`.
    package func start(_ stream: EventLogStream) -> UInt64 { cursor[stream] + 1 }

    /// The plan for a client at `requested` (nil: a new client, which gets only what is stored from now on), given
    /// what each stream keeps.
    package static func plan(requested: EventCursor?, retained: [EventLogStream: RetainedSequences]) -> Self {
        var cursor = EventCursor(Array(repeating: 0, count: EventLogStream.allCases.count))
        var lost: [EventLogStream] = []
        for stream in EventLogStream.allCases {
            let kept = retained[stream] ?? RetainedSequences(first: 1, last: 0)
            guard let position = requested?[stream] else {
                cursor[stream] = kept.last
                continue
            }
            if position > kept.last {
                // A position the stream never reached: the stream was made again; only new events can follow.
                lost.append(stream)
                cursor[stream] = kept.last
            } else if position + 1 < kept.first {
                // Events after the position have expired: resume at the oldest kept.
                lost.append(stream)
                cursor[stream] = kept.first - 1
            } else {
                cursor[stream] = position
            }
        }
        return EventStreamPlan(cursor: cursor, lost: lost)
    }
}
