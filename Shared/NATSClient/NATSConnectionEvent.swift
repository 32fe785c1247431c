/// A change of the connection's state, as libnats reports it from its own threads.
package enum NATSConnectionEvent: Sendable, Equatable {
    /// The connection is established (also after a failed first attempt, when retrying).
    case connected
    /// The connection to the server was lost; libnats is reconnecting.
    case disconnected
    /// The connection was re-established; buffered publishes are being re-sent.
    case reconnected
    /// The connection is closed for good.
    case closed
    /// An asynchronous error, such as a slow consumer.
    case error(String)
}
