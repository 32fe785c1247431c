import Contracts
import Foundation
import NATSClient
import Tracing

/// What storage answers, request kind by request kind, built with typed handlers: the transport decodes the request,
/// calls the handler and encodes its reply (a reply too large for one message goes out in parts).
package struct StorageResponder: Sendable {
    /// Answers one encoded request of a kind with the encoded reply and its schema tag.
    package typealias Answer = @Sendable (_ body: Data, _ schemaTag: String?) async throws -> (Data, String)

    /// The handlers, by request kind.
    package private(set) var answers: [StorageRequestKind: Answer] = [:]

    /// A responder that answers nothing yet.
    package init() {}

    /// Answers requests of `type` with `handler`; a request that does not decode is answered with the error.
    package mutating func on<Request: StorageRequest>(
        _ type: Request.Type, _ handler: @escaping @Sendable (Request) async throws -> Request.Reply
    ) {
        onEncoded(type) { try EncodedReply(try await handler($0)) }
    }

    /// Answers requests of `type` with `handler`, whose reply is already encoded.
    package mutating func onEncoded<Request: StorageRequest>(
        _ type: Request.Type, _ handler: @escaping @Sendable (Request) async throws -> EncodedReply<Request.Reply>
    ) {
        answers[Request.kind] = { body, schemaTag in
            (try await handler(Request.decoded(from: body, schemaTag: schemaTag)).data, Request.Reply.schemaTag)
        }
    }

    /// Answers `body` as a request of `kind`.
    package func answer(_ kind: StorageRequestKind, body: Data, schemaTag: String?) async throws -> (Data, String) {
        guard let answer = answers[kind] else { throw UnansweredRequest(kind: kind) }
        return try await answer(body, schemaTag)
    }
}

/// A storage request nobody answers.
struct UnansweredRequest: Error, CustomStringConvertible {
    let kind: StorageRequestKind
    var description: String { "storage does not answer \(kind.rawValue) requests" }
}

extension StorageResponder {
    /// Serves every kind with a handler on `connection` until cancelled, in the queue group `storage` (several
    /// storage processes share the requests).
    func serve(on connection: NATSConnection, concurrency: Int) async throws {
        let kinds = Array(answers.keys)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for kind in kinds {
                group.addTask {
                    try await connection.serve(
                        Subjects.storageRequest(kind), queue: "storage", concurrency: concurrency
                    ) { request in
                        // A child of the asker's span (an API request's, a stage's), in its trace.
                        try await withSpan(
                            "storage query", context: TraceHeaders.extract(from: request.headers), ofKind: .server
                        ) { span in
                            let (reply, tag) = try await answer(
                                kind, body: request.data, schemaTag: request.headers[schemaHeader]
                            )
                            if span.isRecording {
                                span.attributes["storage.request"] = kind.rawValue
                                span.attributes["storage.reply_bytes"] = reply.count
                            }
                            return NATSReply(data: reply, headers: [schemaHeader: tag])
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
