import Contracts
import Foundation
import Logging
import NATSClient
import TradingCalendar

/// A stream as an operator sees it.
package struct StreamOverview: Sendable {
    /// The stream.
    package var spec: StreamSpec
    /// Its state.
    package var state: StreamState
    /// For a stream of sessions, the latest session among the subjects it still holds.
    package var lastSession: SessionDate?
}

extension NATSPipeline {
    /// Connects a tool (indexctl) to the stack: fails at once when the broker is not there, and does not reconnect
    /// for long (a tool's run is short).
    package static func connectTool(url: String, name: String, logger: Logger) async throws -> NATSPipeline {
        let connection = try await NATSConnection.connect(
            NATSConnectionOptions(url: url, name: name, maxReconnect: 10, retryOnFailedConnect: false), logger: logger
        )
        do {
            return try NATSPipeline(connection: connection, logger: logger)
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Closes the connection (a tool's last step; services close through their host).
    package func close() async {
        deadLetters.stop()
        await connection.close()
    }

    /// Asks one service whether it is up and ready.
    package func ping(_ service: String, timeout: Duration) async throws -> HealthReply {
        let reply = try await transport {
            try await connection.request(Subjects.healthPing(service), data: Data(), timeout: timeout)
        }
        return try HealthReply.decoded(from: reply.data, schemaTag: reply.headers[schemaHeader])
    }

    /// Whether storage answers `query` now. Asked on the bare connection, outside every breaker and retry, so a
    /// storage still starting is no failure.
    package func isServing<Query: StorageQuery>(_ query: Query, timeout: Duration = .seconds(1)) async -> Bool {
        guard let body = try? query.encoded(),
            let reply = try? await connection.request(
                Subjects.storageRequest(Query.kind), data: body, headers: [schemaHeader: Query.schemaTag],
                timeout: timeout
            )
        else { return false }
        return (try? Query.Reply.decoded(from: reply.data, schemaTag: reply.headers[schemaHeader])) != nil
    }

    /// Answers this service's liveness pings until cancelled.
    package func answerPings(service: String, health: @escaping @Sendable () async -> HealthReply) async throws {
        try await connection.serve(Subjects.healthPing(service), concurrency: 1) { _ in
            NATSReply(data: try await health().encoded(), headers: [schemaHeader: HealthReply.schemaTag])
        }
    }

    /// A stream's state and, for the streams keyed by session, the latest session it holds.
    package func overview(of spec: StreamSpec) async throws -> StreamOverview {
        try await transport {
            let state = try await jetStream.streamState(spec.name)
            var lastSession: SessionDate?
            if spec.subjects.count == 1, Self.sessionStreams.contains(spec.name) {
                let subjects = try await jetStream.streamSubjects(spec.name, filter: spec.subjects[0])
                lastSession = subjects.keys.compactMap { Subjects.address(of: $0).date }.max()
            }
            return StreamOverview(spec: spec, state: state, lastSession: lastSession)
        }
    }

    /// A durable consumer's state.
    package func state(of consumer: ConsumerSpec) async throws -> ConsumerState {
        try await transport { try await jetStream.consumerState(stream: consumer.stream, durable: consumer.durable) }
    }

    /// The streams whose subjects end in a session date.
    static let sessionStreams: Set<String> = [
        StreamName.pricesRaw, StreamName.pricesValid, StreamName.pricesRejected, StreamName.index,
        StreamName.composition,
    ]
}
