import CNATS
import Foundation
import Logging
import Resilience

/// A JetStream context: streams and consumers, publishing with de-duplication, pull consumers.
package final class JetStream: @unchecked Sendable {
    // `@unchecked`: `context` is an immutable pointer to a thread-safe libnats object.
    let context: OpaquePointer
    /// The connection underneath.
    package let connection: NATSConnection
    /// How long API calls and publish acknowledgements may take.
    package let timeout: Duration

    init(connection: NATSConnection, timeout: Duration) throws {
        var options = jsOptions()
        try check(jsOptions_Init(&options), "initialising JetStream options")
        options.Wait = timeout.milliseconds
        var context: OpaquePointer?
        try check(natsConnection_JetStream(&context, connection.handle, &options), "creating a JetStream context")
        guard let context else { throw NATSError.closed }
        self.context = context
        self.connection = connection
        self.timeout = timeout
    }

    deinit { jsCtx_Destroy(context) }

    // MARK: Topology

    /// Creates every stream and consumer that does not exist and updates those that do; safe to run on every start.
    ///
    /// Updates go one at a time: nats-server 2.9.10 crashed (a nil pointer in `updateWithAdvisory`) when one process
    /// sent concurrent updates of its streams. Missing streams, then missing consumers, are created at once: in a
    /// cluster each waits seconds for its own Raft group to elect a leader, and one after another they kept a fresh
    /// three-node cluster unready for over half a minute.
    package func ensure(_ topology: Topology) async throws {
        var missingStreams: [StreamSpec] = []
        for stream in topology.streams {
            if try await exists(stream: stream.name) {
                try await ensureStream(stream)
            } else {
                missingStreams.append(stream)
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for stream in missingStreams { group.addTask { try await self.ensureStream(stream) } }
            try await group.waitForAll()
        }
        var missingConsumers: [ConsumerSpec] = []
        for consumer in topology.consumers {
            if try await exists(consumer: consumer.durable, stream: consumer.stream) {
                try await ensureConsumer(consumer)
            } else {
                missingConsumers.append(consumer)
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for consumer in missingConsumers { group.addTask { try await self.ensureConsumer(consumer) } }
            try await group.waitForAll()
        }
    }

    /// Whether the server has stream `name`.
    private func exists(stream name: String) async throws -> Bool {
        let box = UncheckedSendable(self)
        return try await runBlocking {
            var info: UnsafeMutablePointer<jsStreamInfo>?
            var error = jsErrCode(0)
            guard js_GetStreamInfo(&info, box.value.context, name, nil, &error) == NATS_OK else { return false }
            jsStreamInfo_Destroy(info)
            return true
        }
    }

    /// Whether stream `stream` has the durable consumer `durable`.
    private func exists(consumer durable: String, stream: String) async throws -> Bool {
        let box = UncheckedSendable(self)
        return try await runBlocking {
            var info: UnsafeMutablePointer<jsConsumerInfo>?
            var error = jsErrCode(0)
            guard js_GetConsumerInfo(&info, box.value.context, stream, durable, nil, &error) == NATS_OK else {
                return false
            }
            jsConsumerInfo_Destroy(info)
            return true
        }
    }

    /// Creates or updates one stream.
    package func ensureStream(_ spec: StreamSpec) async throws {
        let box = UncheckedSendable(self)
        try await runBlocking { try box.value.ensureStreamBlocking(spec) }
    }

    /// Creates or updates one durable consumer.
    package func ensureConsumer(_ spec: ConsumerSpec) async throws {
        let box = UncheckedSendable(self)
        try await runBlocking { try box.value.ensureConsumerBlocking(spec) }
    }

    private func ensureStreamBlocking(_ spec: StreamSpec) throws {
        let strings = CStrings()
        var config = jsStreamConfig()
        try check(jsStreamConfig_Init(&config), "initialising a stream config")
        config.Name = strings(spec.name)
        config.Description = strings(spec.description)
        config.Storage = js_FileStorage
        config.Retention =
            switch spec.retention {
            case .limits: js_LimitsPolicy
            case .interest: js_InterestPolicy
            case .workQueue: js_WorkQueuePolicy
            }
        config.MaxAge = spec.maxAge.nanoseconds
        config.Duplicates = spec.duplicateWindow.nanoseconds
        config.MaxMsgSize = spec.maxMessageSize
        config.Replicas = Int64(spec.replicas)
        var subjects: [UnsafePointer<CChar>?] = spec.subjects.map { strings($0) }
        var error = jsErrCode(0)
        var info: UnsafeMutablePointer<jsStreamInfo>?
        let status = subjects.withUnsafeMutableBufferPointer { buffer -> natsStatus in
            config.Subjects = buffer.baseAddress
            config.SubjectsLen = Int32(buffer.count)
            var existing: UnsafeMutablePointer<jsStreamInfo>?
            var lookupError = jsErrCode(0)
            let lookup = js_GetStreamInfo(&existing, context, spec.name, nil, &lookupError)
            if lookup == NATS_OK {
                jsStreamInfo_Destroy(existing)
                return js_UpdateStream(&info, context, &config, nil, &error)
            }
            return js_AddStream(&info, context, &config, nil, &error)
        }
        if info != nil { jsStreamInfo_Destroy(info) }
        try check(status, "ensuring stream \(spec.name)", jsError: error)
    }

    private func ensureConsumerBlocking(_ spec: ConsumerSpec) throws {
        let strings = CStrings()
        var config = jsConsumerConfig()
        try check(jsConsumerConfig_Init(&config), "initialising a consumer config")
        config.Durable = strings(spec.durable)
        config.Name = strings(spec.durable)
        config.Description = strings(spec.description)
        config.FilterSubject = strings(spec.filterSubject)
        config.AckPolicy = js_AckExplicit
        config.DeliverPolicy = js_DeliverAll
        config.AckWait = spec.ackWait.nanoseconds
        config.MaxDeliver = Int64(spec.maxDeliver)
        config.MaxAckPending = Int64(spec.maxAckPending)
        var info: UnsafeMutablePointer<jsConsumerInfo>?
        var error = jsErrCode(0)
        var existing: UnsafeMutablePointer<jsConsumerInfo>?
        let lookup = js_GetConsumerInfo(&existing, context, spec.stream, spec.durable, nil, &error)
        if lookup == NATS_OK {
            jsConsumerInfo_Destroy(existing)
            let status = js_UpdateConsumer(&info, context, spec.stream, &config, nil, &error)
            if info != nil { jsConsumerInfo_Destroy(info) }
            if status != NATS_OK {
                // Some fields cannot change on a live consumer; the existing one still works, so say so and go on.
                connection.logger.warning(
                    "consumer exists with a configuration that cannot be updated",
                    metadata: [
                        "nats.consumer": "\(spec.durable)",
                        "error": "\(natsError(status, "updating", jsError: error))",
                    ]
                )
            }
            return
        }
        error = jsErrCode(0)
        let status = js_AddConsumer(&info, context, spec.stream, &config, nil, &error)
        if info != nil { jsConsumerInfo_Destroy(info) }
        try check(status, "creating consumer \(spec.durable) on \(spec.stream)", jsError: error)
    }

    /// Deletes a stream (tests and operator resets only).
    package func deleteStream(_ name: String) async throws {
        let box = UncheckedSendable(context)
        try await runBlocking {
            var error = jsErrCode(0)
            try check(js_DeleteStream(box.value, name, nil, &error), "deleting stream \(name)", jsError: error)
        }
    }

    // MARK: Publishing

    /// Publishes to a stream and waits for the server's acknowledgement.
    ///
    /// - Parameter messageID: the de-duplication key; a second publish with the same id inside the stream's
    ///   duplicate window is acknowledged with `duplicate == true` and stores nothing.
    package func publish(
        _ subject: String,
        data: Data,
        headers: [String: String] = [:],
        messageID: String? = nil
    ) async throws -> PublishAck {
        let box = UncheckedSendable(context)
        let wait = timeout.milliseconds
        return try await runBlocking {
            let msg = try makeMessage(subject: subject, data: data, headers: headers)
            defer { natsMsg_Destroy(msg) }
            var options = jsPubOptions()
            try check(jsPubOptions_Init(&options), "initialising publish options")
            options.MaxWait = wait
            var ack: UnsafeMutablePointer<jsPubAck>?
            var error = jsErrCode(0)
            let status: natsStatus =
                if let messageID {
                    messageID.withCString { id in
                        options.MsgId = id
                        return js_PublishMsg(&ack, box.value, msg, &options, &error)
                    }
                } else {
                    js_PublishMsg(&ack, box.value, msg, &options, &error)
                }
            try check(status, "publishing to \(subject)", jsError: error)
            guard let ack else { throw NATSError.closed }
            defer { jsPubAck_Destroy(ack) }
            return PublishAck(
                stream: String(cString: ack.pointee.Stream),
                sequence: ack.pointee.Sequence,
                duplicate: ack.pointee.Duplicate
            )
        }
    }

    // MARK: Reading

    /// A message stored in a stream, by sequence.
    package func message(stream: String, sequence: UInt64) async throws -> StoredMessage {
        let box = UncheckedSendable(context)
        return try await runBlocking {
            var msg: OpaquePointer?
            var error = jsErrCode(0)
            try check(
                js_GetMsg(&msg, box.value, stream, sequence, nil, &error),
                "reading \(stream) #\(sequence)",
                jsError: error
            )
            guard let msg else { throw NATSError.closed }
            defer { natsMsg_Destroy(msg) }
            let copy = NATSMessage(copying: msg)
            return StoredMessage(subject: copy.subject, sequence: sequence, data: copy.data, headers: copy.headers)
        }
    }

    /// The last message stored on `subject` in `stream`, or nil when there is none.
    package func lastMessage(stream: String, subject: String) async throws -> StoredMessage? {
        let box = UncheckedSendable(context)
        return try await runBlocking {
            var msg: OpaquePointer?
            var error = jsErrCode(0)
            let status = js_GetLastMsg(&msg, box.value, stream, subject, nil, &error)
            if status == NATS_NOT_FOUND || error == JSNoMessageFoundErr { return nil }
            try check(status, "reading the last message of \(subject) in \(stream)", jsError: error)
            guard let msg else { throw NATSError.closed }
            defer { natsMsg_Destroy(msg) }
            let copy = NATSMessage(copying: msg)
            let sequence = natsMsg_GetSequence(msg)
            return StoredMessage(subject: copy.subject, sequence: sequence, data: copy.data, headers: copy.headers)
        }
    }

    /// The subjects stored in `stream` that match `filter`, each with its message count (the JetStream API's stream
    /// info with `subjects_filter`, asked page by page).
    package func subjects(stream: String, filter: String) async throws -> [String: UInt64] {
        struct Request: Encodable {
            var subjectsFilter: String
            var offset: Int
            enum CodingKeys: String, CodingKey {
                case subjectsFilter = "subjects_filter"
                case offset
            }
        }
        struct Reply: Decodable {
            struct APIError: Decodable { var code: Int, description: String? }
            struct State: Decodable { var subjects: [String: UInt64]? }
            var state: State?
            var total: Int?
            var error: APIError?
        }
        var found: [String: UInt64] = [:]
        while true {
            let body = try JSONEncoder().encode(Request(subjectsFilter: filter, offset: found.count))
            let message = try await connection.request("$JS.API.STREAM.INFO.\(stream)", data: body, timeout: timeout)
            let reply = try JSONDecoder().decode(Reply.self, from: message.data)
            if let error = reply.error {
                throw NATSError.remote(
                    subject: "$JS.API.STREAM.INFO.\(stream)", message: "\(error.code) \(error.description ?? "")")
            }
            let page = reply.state?.subjects ?? [:]
            found.merge(page) { $1 }
            if page.isEmpty || found.count >= (reply.total ?? 0) { return found }
        }
    }

    /// The state of a stream: message count, bytes, first and last sequence.
    package func streamState(_ name: String) async throws -> StreamState {
        let box = UncheckedSendable(context)
        return try await runBlocking {
            var info: UnsafeMutablePointer<jsStreamInfo>?
            var error = jsErrCode(0)
            try check(js_GetStreamInfo(&info, box.value, name, nil, &error), "reading stream \(name)", jsError: error)
            guard let info else { throw NATSError.closed }
            defer { jsStreamInfo_Destroy(info) }
            let state = info.pointee.State
            return StreamState(
                name: name,
                messages: state.Msgs,
                bytes: state.Bytes,
                firstSequence: state.FirstSeq,
                lastSequence: state.LastSeq,
                consumers: Int(state.Consumers),
                created: info.pointee.Created
            )
        }
    }

    /// The subjects a stream holds messages on (those matching `filter`), with their message counts.
    package func streamSubjects(_ name: String, filter: String) async throws -> [String: UInt64] {
        let box = UncheckedSendable(context)
        return try await runBlocking {
            var options = jsOptions()
            jsOptions_Init(&options)
            var info: UnsafeMutablePointer<jsStreamInfo>?
            var error = jsErrCode(0)
            try filter.withCString { pointer in
                options.Stream.Info.SubjectsFilter = pointer
                try check(
                    js_GetStreamInfo(&info, box.value, name, &options, &error), "reading stream \(name)", jsError: error
                )
            }
            guard let info else { throw NATSError.closed }
            defer { jsStreamInfo_Destroy(info) }
            var subjects: [String: UInt64] = [:]
            if let list = info.pointee.State.Subjects {
                for index in 0..<Int(list.pointee.Count) {
                    let entry = list.pointee.List[index]
                    if let subject = entry.Subject { subjects[String(cString: subject)] = entry.Msgs }
                }
            }
            return subjects
        }
    }

    /// The state of a durable consumer: pending (lag), unacknowledged, redelivered.
    package func consumerState(stream: String, durable: String) async throws -> ConsumerState {
        let box = UncheckedSendable(context)
        return try await runBlocking {
            var info: UnsafeMutablePointer<jsConsumerInfo>?
            var error = jsErrCode(0)
            try check(
                js_GetConsumerInfo(&info, box.value, stream, durable, nil, &error),
                "reading consumer \(durable)",
                jsError: error
            )
            guard let info else { throw NATSError.closed }
            defer { jsConsumerInfo_Destroy(info) }
            return ConsumerState(
                stream: stream,
                durable: durable,
                pending: info.pointee.NumPending,
                ackPending: Int(info.pointee.NumAckPending),
                redelivered: Int(info.pointee.NumRedelivered),
                waiting: Int(info.pointee.NumWaiting),
                deliveredStreamSequence: info.pointee.Delivered.Stream,
                ackFloorStreamSequence: info.pointee.AckFloor.Stream
            )
        }
    }

    // MARK: Consuming

    /// Binds to an existing durable pull consumer (ensure it first); closing the binding never deletes it.
    package func pullConsumer(_ spec: ConsumerSpec) throws -> PullConsumer {
        try PullConsumer(jetStream: self, spec: spec)
    }
}

/// The server's acknowledgement of a JetStream publish.
package struct PublishAck: Sendable, Equatable {
    /// The stream that stored the message.
    package var stream: String
    /// Its sequence in the stream.
    package var sequence: UInt64
    /// True when the message id was seen inside the duplicate window and nothing new was stored.
    package var duplicate: Bool
}

/// A message read back from a stream.
package struct StoredMessage: Sendable {
    /// Its subject.
    package var subject: String
    /// Its stream sequence.
    package var sequence: UInt64
    /// Its payload.
    package var data: Data
    /// Its headers.
    package var headers: [String: String]
}

/// A stream's state.
package struct StreamState: Sendable, Codable, Equatable {
    /// The stream name.
    package var name: String
    /// Messages stored.
    package var messages: UInt64
    /// Bytes stored.
    package var bytes: UInt64
    /// First stored sequence.
    package var firstSequence: UInt64
    /// Last stored sequence.
    package var lastSequence: UInt64
    /// Consumers bound to it.
    package var consumers: Int
    /// When the stream was created (nanoseconds since 1970): a stream deleted and made again (a new JetStream store)
    /// starts its sequences over, and gets another value here.
    package var created: Int64 = 0
}

/// A durable consumer's state.
package struct ConsumerState: Sendable, Codable, Equatable {
    /// The stream it reads.
    package var stream: String
    /// Its durable name.
    package var durable: String
    /// Messages not yet delivered: the lag.
    package var pending: UInt64
    /// Messages delivered and not yet acknowledged.
    package var ackPending: Int
    /// Messages delivered more than once.
    package var redelivered: Int
    /// Pull requests waiting.
    package var waiting: Int
    /// The last stream sequence delivered.
    package var deliveredStreamSequence: UInt64
    /// The stream sequence below which everything is acknowledged.
    package var ackFloorStreamSequence: UInt64

    /// Nothing pending and nothing awaiting acknowledgement.
    package var isIdle: Bool { pending == 0 && ackPending == 0 }
}
