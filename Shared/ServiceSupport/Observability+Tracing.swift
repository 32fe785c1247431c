import Foundation
import Logging
import OTel
import ServiceLifecycle
import Synchronization

extension Observability {
    /// Nil until ``bootstrapTracing(service:environment:logger:)`` is first called, then whether it set up a tracer.
    private static let tracingState = Mutex<Bool?>(nil)

    /// Whether this process exports spans (``bootstrapTracing(service:environment:logger:)`` set up a tracer).
    package static var isTracing: Bool { tracingState.withLock { $0 == true } }

    /// Bootstraps OpenTelemetry tracing when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (and not empty): spans are
    /// exported over OTLP/HTTP (`http/protobuf`, or `http/json` with `OTEL_EXPORTER_OTLP_PROTOCOL`), configured by the
    /// standard `OTEL_*` variables, under the service's name unless `OTEL_SERVICE_NAME` names another. Logs and
    /// metrics are left as they are (our log handler and Prometheus).
    ///
    /// Returns the exporter's service, which the caller runs in its `ServiceGroup` and stops last (its graceful
    /// shutdown flushes the spans still queued); nil when the variable is unset, when `OTEL_SDK_DISABLED` is true,
    /// or when this process bootstrapped before (a process bootstraps once: in-process tests run several services).
    ///
    /// - Throws: a configuration error of swift-otel's (an unsupported protocol or exporter, an invalid value).
    package static func bootstrapTracing(
        service: String, environment: [String: String], logger: Logger
    ) throws -> (any Service)? {
        let endpoint = environment["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? ""
        let tracesEndpoint = environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? ""
        let first = tracingState.withLock { state in
            defer { if state == nil { state = false } }
            return state == nil
        }
        let configured = [endpoint, tracesEndpoint].contains { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard first, configured, environment["OTEL_SDK_DISABLED"]?.lowercased() != "true" else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = service
        configuration.diagnosticLogger = .custom(logger)
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.enabled = true
        let exporter = try OTel.bootstrap(configuration: configuration, environment: environment)
        tracingState.withLock { $0 = true }
        logger.info(
            "tracing on: spans exported over OTLP/HTTP",
            metadata: [
                "otel.endpoint": "\(tracesEndpoint.isEmpty ? endpoint : tracesEndpoint)",
                "otel.protocol": "\(environment["OTEL_EXPORTER_OTLP_PROTOCOL"] ?? "http/protobuf")",
            ]
        )
        return exporter
    }
}
