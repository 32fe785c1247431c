import Instrumentation
import Tracing

/// The W3C trace context (`traceparent`, `tracestate`) in NATS message headers: injected on every publish and
/// request, extracted on every consume and reply, so one session is one trace across the services.
///
/// Without a bootstrapped tracer (`OTEL_EXPORTER_OTLP_ENDPOINT` unset) the instrument is the no-op one: injecting
/// adds nothing and extracting finds nothing.
package enum TraceHeaders {
    /// `headers` with the trace context of `context` added (nothing when there is no tracer or no trace).
    package static func inject(_ context: ServiceContext? = .current, into headers: inout [String: String]) {
        guard let context else { return }
        InstrumentationSystem.instrument.inject(context, into: &headers, using: NATSHeadersInjector())
    }

    /// The trace context a message's headers carry; the top level (a new trace) when they carry none.
    package static func extract(from headers: [String: String]) -> ServiceContext {
        var context = ServiceContext.topLevel
        InstrumentationSystem.instrument.extract(headers, into: &context, using: NATSHeadersExtractor())
        return context
    }
}

/// Writes trace headers into a NATS header map.
struct NATSHeadersInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}

/// Reads trace headers from a NATS header map.
struct NATSHeadersExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key]
    }
}
