import Tracing
import TradingCalendar

/// Spans of a whole session.
package enum SessionTrace {
    /// Runs `body` in the root span of a new trace for one session (the fetcher's, per session it publishes): every
    /// stage's span for the session descends from it. The span links the trace it was started from (a replay
    /// request's), if any.
    package static func run<T>(
        _ name: String, date: SessionDate, isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> T
    ) async throws -> T {
        let parent = ServiceContext.current
        return try await withSpan(name, context: .topLevel, ofKind: .producer, isolation: isolation) { span in
            if span.isRecording {
                span.attributes["pipeline.date"] = "\(date)"
                if let parent { span.addLink(SpanLink(context: parent, attributes: [:])) }
            }
            return try await body()
        }
    }
}
