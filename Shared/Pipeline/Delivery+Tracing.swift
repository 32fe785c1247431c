import Contracts
import Tracing

extension Delivery where Message: PipelineMessage {
    /// Runs a stage's handling of this message in a span that continues the trace the message carries; what `body`
    /// publishes (or asks storage) carries the span's context. The span records the message's subject, session,
    /// index and counts, and a failed or permanent outcome.
    ///
    /// - Parameter name: a short, stable span name ("validate", "build index").
    package func traced(
        _ name: String, isolation: isolated (any Actor)? = #isolation, _ body: () async -> MessageOutcome
    ) async -> MessageOutcome {
        await withSpan(name, context: traceContext, ofKind: .consumer, isolation: isolation) { span in
            if span.isRecording {
                span.attributes["messaging.destination.name"] = message.subject
                span.attributes["messaging.message.delivery_count"] = control.deliveries
                message.describe(&span.attributes)
            }
            let outcome = await body()
            span.record(outcome)
            return outcome
        }
    }
}

extension Delivery where Message: PipelineMessage {
    /// Runs `body` over a batch of deliveries handled together (one transaction), with one span per delivery, each
    /// a child of its own message's trace and ended with that message's outcome.
    package static func traced(
        _ name: String, each deliveries: [Delivery], isolation: isolated (any Actor)? = #isolation,
        _ body: () async -> [MessageOutcome]
    ) async -> [MessageOutcome] {
        let spans = deliveries.map { delivery in
            let span = startSpan(name, context: delivery.traceContext, ofKind: .consumer)
            if span.isRecording {
                span.attributes["messaging.destination.name"] = delivery.message.subject
                span.attributes["messaging.batch.message_count"] = deliveries.count
                delivery.message.describe(&span.attributes)
            }
            return span
        }
        let outcomes = await body()
        for (index, span) in spans.enumerated() {
            if index < outcomes.count { span.record(outcomes[index]) }
            span.end()
        }
        return outcomes
    }
}

extension PipelineMessage {
    /// What a span records about the message: its session, index and counts.
    func describe(_ attributes: inout SpanAttributes) {
        switch self {
        case let batch as PriceBatch:
            attributes["pipeline.date"] = "\(batch.date)"
            attributes["pipeline.batch_id"] = batch.batchID
            attributes["pipeline.rows"] = batch.rows.count
            attributes["pipeline.chunk"] = "\(batch.chunk.index + 1)/\(batch.chunk.count)"
        case let batch as ValidatedBatch:
            attributes["pipeline.date"] = "\(batch.date)"
            attributes["pipeline.batch_id"] = batch.batchID
            attributes["pipeline.rows"] = batch.rows.count
            attributes["pipeline.rejected_rows"] = batch.rejectedRows
        case let batch as RejectionBatch:
            attributes["pipeline.date"] = "\(batch.date)"
            attributes["pipeline.rejected_rows"] = batch.rejections.count
        case let result as IndexResult:
            attributes["pipeline.date"] = "\(result.date)"
            attributes["pipeline.index"] = result.index
        case let event as CompositionEvent:
            attributes["pipeline.date"] = "\(event.date)"
            attributes["pipeline.index"] = event.index
        case let request as ReplayRequest:
            attributes["replay.id"] = request.replayID
            attributes["replay.from"] = "\(request.from)"
            attributes["replay.to"] = "\(request.to)"
        default:
            return
        }
    }
}

extension Span {
    /// Marks the span failed when `outcome` is a failure.
    package func record(_ outcome: MessageOutcome) {
        guard isRecording else { return }
        switch outcome {
        case .done, .deferred:
            return
        case .failed(let error):
            recordError(error)
            setStatus(SpanStatus(code: .error, message: "\(error)"))
        case .permanent(let reason):
            setStatus(SpanStatus(code: .error, message: reason))
        }
    }
}
