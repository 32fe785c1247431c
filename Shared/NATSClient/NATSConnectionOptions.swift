/// How to connect to NATS.
package struct NATSConnectionOptions: Sendable {
    /// Server URLs (`nats://host:port`); a comma-separated list is split.
    package var urls: [String]
    /// The connection name the server shows (`nats-server -m` / `connz`).
    package var name: String
    /// Reconnect attempts; -1 is unlimited, which every pipeline service wants.
    package var maxReconnect: Int
    /// Wait between reconnect attempts to the same server.
    package var reconnectWait: Duration
    /// Bytes buffered while disconnected, re-sent after the reconnect.
    package var reconnectBufferBytes: Int
    /// Keep retrying in the background when the first connect fails, rather than failing start-up.
    package var retryOnFailedConnect: Bool
    /// Timeout of one connect attempt.
    package var connectTimeout: Duration

    /// Options with pipeline defaults: unlimited reconnects and retry on a failed first connect.
    package init(
        url: String,
        name: String,
        maxReconnect: Int = -1,
        reconnectWait: Duration = .milliseconds(500),
        reconnectBufferBytes: Int = 64 * 1024 * 1024,
        retryOnFailedConnect: Bool = true,
        connectTimeout: Duration = .seconds(2)
    ) {
        self.urls = url.split(separator: ",").map { $0.trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
        self.name = name
        self.maxReconnect = maxReconnect
        self.reconnectWait = reconnectWait
        self.reconnectBufferBytes = reconnectBufferBytes
        self.retryOnFailedConnect = retryOnFailedConnect
        self.connectTimeout = connectTimeout
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop(while: { $0 == set }).reversed().drop(while: { $0 == set }).reversed())
    }
}

extension Duration {
    /// Whole milliseconds, as libnats' timeouts take them.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Whole nanoseconds, as libnats' JetStream durations take them.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
