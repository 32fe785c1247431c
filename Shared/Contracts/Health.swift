// The health family: what a service says of itself when pinged.

/// A liveness answer on `health.ping.<service>`.
package struct HealthReply: KindedMessage, Equatable {
    package static let kind = MessageKind.healthReply

    /// The service.
    package var service: String
    /// Whether it is ready (its dependencies are reachable).
    package var ready: Bool
    /// Seconds since it started.
    package var uptimeSeconds: Double
    /// The circuit breakers of the process, by name (empty from services that predate the field).
    package var breakers: [BreakerStatus]

    /// A reply.
    package init(service: String, ready: Bool, uptimeSeconds: Double, breakers: [BreakerStatus] = []) {
        self.service = service
        self.ready = ready
        self.uptimeSeconds = uptimeSeconds
        self.breakers = breakers
    }

    private enum CodingKeys: String, CodingKey {
        case service, ready, uptimeSeconds, breakers
    }

    /// Decodes a reply; `breakers` may be missing (an older service).
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        service = try container.decode(String.self, forKey: .service)
        ready = try container.decode(Bool.self, forKey: .ready)
        uptimeSeconds = try container.decode(Double.self, forKey: .uptimeSeconds)
        breakers = try container.decodeIfPresent([BreakerStatus].self, forKey: .breakers) ?? []
    }
}

/// A circuit breaker's state as a service reports it in its health reply, for `indexctl status`.
package struct BreakerStatus: Codable, Sendable, Equatable {
    /// The breaker's name (`storage`, `provider.fmp`, ...).
    package var name: String
    /// `closed`, `open` or `half_open`.
    package var state: String
    /// The failure percentage of the current window; nil below the minimum number of calls.
    package var failureRate: Double?
    /// Outcomes held in the current window.
    package var bufferedCalls: Int
    /// Failures among them.
    package var failedCalls: Int
    /// Calls rejected since the window was last reset.
    package var notPermittedCalls: Int

    /// A breaker's status.
    package init(
        name: String, state: String, failureRate: Double?, bufferedCalls: Int, failedCalls: Int, notPermittedCalls: Int
    ) {
        self.name = name
        self.state = state
        self.failureRate = failureRate
        self.bufferedCalls = bufferedCalls
        self.failedCalls = failedCalls
        self.notPermittedCalls = notPermittedCalls
    }
}
