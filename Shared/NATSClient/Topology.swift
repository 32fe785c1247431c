/// How long a stream keeps messages.
package enum StreamRetention: Sendable, Equatable {
    /// Until the limits (age, size) are reached.
    case limits
    /// Until every consumer bound to the stream has acknowledged the message.
    case interest
    /// Until one consumer has acknowledged the message.
    case workQueue
}

/// A JetStream stream the system needs.
package struct StreamSpec: Sendable, Equatable {
    /// The stream name (upper case by convention).
    package var name: String
    /// The subjects it captures.
    package var subjects: [String]
    /// The retention policy.
    package var retention: StreamRetention
    /// The age after which messages are dropped.
    package var maxAge: Duration
    /// The window in which a repeated `Nats-Msg-Id` is recognised and not stored again.
    package var duplicateWindow: Duration
    /// The largest message accepted (-1: the server's limit).
    package var maxMessageSize: Int32
    /// What the stream is for.
    package var description: String
    /// The servers of a cluster that each keep a copy (1: one server, no copy; 3 in a three-node cluster).
    package var replicas: Int

    /// Describes a file-backed stream.
    package init(
        name: String,
        subjects: [String],
        retention: StreamRetention,
        maxAge: Duration,
        duplicateWindow: Duration = .seconds(120),
        maxMessageSize: Int32 = -1,
        replicas: Int = 1,
        description: String
    ) {
        self.name = name
        self.subjects = subjects
        self.retention = retention
        self.maxAge = maxAge
        self.duplicateWindow = duplicateWindow
        self.maxMessageSize = maxMessageSize
        self.replicas = replicas
        self.description = description
    }
}

/// A durable pull consumer the system needs.
package struct ConsumerSpec: Sendable, Equatable {
    /// The stream it reads.
    package var stream: String
    /// The durable name.
    package var durable: String
    /// The subjects it receives: a filter on the stream (the stream's own wildcard for all of it).
    package var filterSubject: String
    /// How long the server waits for an acknowledgement before redelivering.
    package var ackWait: Duration
    /// How many deliveries before the server gives up (the consumer dead-letters on the last one).
    package var maxDeliver: Int
    /// How many unacknowledged messages may be outstanding.
    package var maxAckPending: Int
    /// What it is for.
    package var description: String

    /// Describes a durable pull consumer with explicit acks.
    package init(
        stream: String,
        durable: String,
        filterSubject: String,
        ackWait: Duration = .seconds(10),
        maxDeliver: Int = 5,
        maxAckPending: Int = 64,
        description: String
    ) {
        self.stream = stream
        self.durable = durable
        self.filterSubject = filterSubject
        self.ackWait = ackWait
        self.maxDeliver = maxDeliver
        self.maxAckPending = maxAckPending
        self.description = description
    }
}

/// Every stream and consumer of a system, declared once and ensured at start-up.
package struct Topology: Sendable {
    /// The streams.
    package var streams: [StreamSpec]
    /// The consumers.
    package var consumers: [ConsumerSpec]

    /// A topology.
    package init(streams: [StreamSpec], consumers: [ConsumerSpec]) {
        self.streams = streams
        self.consumers = consumers
    }

    /// The consumer with this durable name.
    package func consumer(_ durable: String) -> ConsumerSpec? {
        consumers.first { $0.durable == durable }
    }

    /// The stream with this name.
    package func stream(_ name: String) -> StreamSpec? {
        streams.first { $0.name == name }
    }

    /// The same topology with every stream kept on `replicas` servers; consumers follow their stream's replicas.
    package func replicated(_ replicas: Int) -> Topology {
        var replicated = self
        for index in replicated.streams.indices { replicated.streams[index].replicas = replicas }
        return replicated
    }
}
