import Foundation
import Hummingbird

/// One dependency `/ready` checks.
package struct ReadinessCheck: Sendable {
    /// Its name in the `/ready` answer.
    package var name: String
    /// Whether it is reachable now.
    package var check: @Sendable () async -> Bool

    /// A check.
    package init(name: String, check: @escaping @Sendable () async -> Bool) {
        self.name = name
        self.check = check
    }
}

extension Router {
    /// Adds `GET /health` (liveness), `GET /ready` (every check passes; 503 otherwise) and `GET /metrics`.
    package func addHealthRoutes(service: String, startedAt: ContinuousClock.Instant, checks: [ReadinessCheck]) {
        get("/health") { _, _ -> Response in
            let uptime = ContinuousClock.now - startedAt
            return jsonResponse(
                .ok,
                [
                    "status": "ok", "service": service,
                    "uptime_seconds": Double(uptime.components.seconds) + Double(uptime.components.attoseconds) / 1e18,
                ])
        }
        get("/ready") { _, _ -> Response in
            var results: [String: Bool] = [:]
            for check in checks { results[check.name] = await check.check() }
            let ready = results.values.allSatisfy { $0 }
            return jsonResponse(
                ready ? .ok : .serviceUnavailable, ["ready": ready, "service": service, "checks": results])
        }
        get("/metrics") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: Observability.prometheusText()))
            )
        }
    }
}

/// A JSON response from a plain dictionary.
package func jsonResponse(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    return Response(
        status: status,
        headers: [.contentType: "application/json"],
        body: .init(byteBuffer: ByteBuffer(bytes: data))
    )
}
